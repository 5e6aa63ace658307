package normalize

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Language detection: the script decides for scripts one language owns (or
// nearly), and frequent function words decide among Latin-script languages
// and among Cyrillic ones. It reads at most langSampleBytes of text and
// answers "" unless the evidence is clear.

// langSampleBytes bounds the text the detector reads: a few hundred words
// decide as well as a whole article.
const langSampleBytes = 2048

// stopWords lists frequent function words per language. A word may belong
// to several languages; only the balance of hits matters.
var stopWords = map[string]string{
	"en": "the of and to in is that for it was on with as are be by at this from have has had not but which were they their an or its said will would been after who more also than over under per up down about into mln dlrs pct cts",
	"de": "der die das und ist nicht ein eine den dem des mit sich auf für von zu im auch es wird wurde sind war bei nach aus wie noch oder aber nur hat dass einer einem vom zum zur",
	"fr": "le la les des est une et du dans que qui pour pas sur au aux par il elle sont ont avec ce cette mais été ses leur plus selon comme où nous vous été fait entre",
	"es": "el la los las del que en y es por un una con para se su sus al lo como más pero fue han ha este esta sobre entre según también desde hasta donde muy ya",
	"it": "il la di che è e un una per non con del della dei delle gli nel nella sono alla al ha anche come più ma si lo le questo questa stato dopo tra secondo",
	"pt": "o a os as de do da dos das que é e um uma em no na para com não por se ao mais foi pelo pela como mas são também seu sua entre sobre já ser está",
	"nl": "de het een en van is dat in op te zijn niet met voor die er ook aan door als bij maar om nog wordt werd naar heeft hij zij dan al uit over",
	"sv": "och att det som en på är av för med till den inte har om ett de jag var från men sig kan han hon vid efter också eller under så ska blir",
	"da": "og at det som en på er af for med til den ikke har om et de jeg var fra men sig kan han hun ved efter også eller under så skal bliver hvad nogle mod",
	"no": "og at det som en på er av for med til den ikke har om et de jeg var fra men seg kan han hun ved etter også eller under så skal blir hva noen mot ble",
	"fi": "ja on ei se että hän oli ovat mutta kun niin myös tai jos sen kuin ole joka mitä vain nyt sitten jo hänen ollut olla voi siitä",
	"pl": "i w na z że się nie do to jest o jak ale po co za od tak jego przez już są był była może tylko przy dla także oraz który które",
	"cs": "a v na se že je to s z do o i jsou by k jako ale pro jeho který která které také podle před byl bylo jsem až nebo už když",
	"sk": "a v na sa že je to s z do o i sú by k ako ale pre jeho ktorý ktorá ktoré tiež podľa pred bol bolo som až alebo už keď aj",
	"ro": "și în de la cu pe a că nu un o este din care mai pentru se sunt fost au ale lui prin sau dar după",
	"hu": "a az és hogy nem is egy van meg de ez el már csak volt mint még ki be után kell pedig lesz szerint",
	"tr": "ve bir bu da de için ile olarak çok daha gibi en olan ne var ama sonra kadar ancak göre diye şey",
	"ru": "и в не на что с по это как он из к о но за то от же для все так его она был была были также который при",
	"uk": "і в не на що з по це як він із до та але за то від же для все так його вона був була були також який при",
}

// wordLangs maps each stop word to the languages (bit set over langCodes)
// it belongs to.
var (
	langCodes []string
	wordLangs map[string]uint32
)

// maxStopWordBytes is longer than every stop word; longer words are not
// looked up.
const maxStopWordBytes = 16

func init() {
	for code := range stopWords {
		langCodes = append(langCodes, code)
	}
	slices.Sort(langCodes) // deterministic order for ties
	wordLangs = map[string]uint32{}
	for i, code := range langCodes {
		for _, w := range strings.Fields(stopWords[code]) {
			if len(w) >= maxStopWordBytes {
				panic("stop word too long: " + w)
			}
			wordLangs[w] |= 1 << i
		}
	}
}

// detectLanguage returns the ISO 639-1 code of the language of the first
// paragraphs (up to langSampleBytes), or "".
func detectLanguage(paras []string) string {
	budget := langSampleBytes
	sample := paras[:0:0]
	for _, p := range paras {
		if budget <= 0 {
			break
		}
		if len(p) > budget {
			p = p[:budget] // a cut rune reads as one U+FFFD
		}
		budget -= len(p)
		sample = append(sample, p)
	}
	// Scripts.
	var latin, cyr, greek, arabic, hebrew, han, kana, hangul, thai, deva, farsi, ukr int
	for _, text := range sample {
		for i := 0; i < len(text); i++ {
			if c := text[i]; c < utf8.RuneSelf {
				if c|0x20 >= 'a' && c|0x20 <= 'z' {
					latin++
				}
				continue
			}
			r, n := utf8.DecodeRuneInString(text[i:])
			i += n - 1
			switch {
			case r <= 0x24F:
				if unicode.IsLetter(r) {
					latin++
				}
			case r >= 0x400 && r <= 0x4FF:
				cyr++
				if r == 'і' || r == 'ї' || r == 'є' || r == 'ґ' || r == 'І' || r == 'Ї' || r == 'Є' {
					ukr++
				}
			case r >= 0x370 && r <= 0x3FF:
				greek++
			case r >= 0x600 && r <= 0x6FF:
				arabic++
				if r == 'پ' || r == 'چ' || r == 'ژ' || r == 'گ' || r == 'ی' {
					farsi++
				}
			case r >= 0x590 && r <= 0x5FF:
				hebrew++
			case r >= 0x3040 && r <= 0x30FF:
				kana++
			case r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF:
				han++
			case r >= 0xAC00 && r <= 0xD7A3 || r >= 0x1100 && r <= 0x11FF:
				hangul++
			case r >= 0xE00 && r <= 0xE7F:
				thai++
			case r >= 0x900 && r <= 0x97F:
				deva++
			}
		}
	}
	total := latin + cyr + greek + arabic + hebrew + han + kana + hangul + thai + deva
	if total < 8 {
		return ""
	}
	switch {
	case kana*10 > total && kana+han > total/2:
		return "ja"
	case han > total/2 || han*2 > total && han > latin:
		return "zh"
	case hangul > total/2:
		return "ko"
	case greek > total/2:
		return "el"
	case hebrew > total/2:
		return "he"
	case arabic > total/2:
		if farsi*20 > arabic {
			return "fa"
		}
		return "ar"
	case thai > total/2:
		return "th"
	case deva > total/2:
		return "hi"
	case cyr > total/2:
		if ukr*50 > cyr {
			return "uk"
		}
		return "ru"
	case latin < total/2:
		return ""
	}
	return stopWordVote(sample)
}

// stopWordVote counts function words per language and returns the winner
// when it leads clearly.
func stopWordVote(sample []string) string {
	var scores [32]int
	var buf [32]byte
	words := 0
	for _, text := range sample {
		if words > 0 && decided(&scores) {
			break
		}
		words += voteWords(text, &scores, buf[:0])
	}
	return vote(&scores, words)
}

// voteWords adds the stop words of text to scores and returns the number
// of words read.
func voteWords(text string, scores *[32]int, buf []byte) int {
	words := 0
	for i := 0; i < len(text); {
		// Skip to a letter.
		c := text[i]
		if c < utf8.RuneSelf {
			if c|0x20 < 'a' || c|0x20 > 'z' {
				i++
				continue
			}
		} else if r, n := utf8.DecodeRuneInString(text[i:]); !unicode.IsLetter(r) {
			i += n
			continue
		}
		j := i
		w := buf[:0]
		long := false
		for j < len(text) {
			c := text[j]
			if c < utf8.RuneSelf {
				if c|0x20 < 'a' || c|0x20 > 'z' {
					break
				}
				if len(w) < maxStopWordBytes {
					w = append(w, c|0x20)
				} else {
					long = true
				}
				j++
				continue
			}
			r, n := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r) {
				break
			}
			if len(w)+utf8.UTFMax <= maxStopWordBytes {
				w = utf8.AppendRune(w, unicode.ToLower(r))
			} else {
				long = true
			}
			j += n
		}
		i = j
		words++
		if words%32 == 0 && decided(scores) {
			break
		}
		if long {
			continue
		}
		if set, ok := wordLangs[string(w)]; ok {
			// One-letter words ("a", "i", "e", "v") are frequent in
			// several languages and in abbreviations: half weight.
			weight := 2
			if utf8.RuneCount(w) == 1 {
				weight = 1
			}
			for k := 0; set != 0; k++ {
				if set&1 != 0 {
					scores[k] += weight
				}
				set >>= 1
			}
		}
	}
	return words
}

// vote returns the language that leads scores clearly, or "".
func vote(scores *[32]int, words int) string {
	best, second := -1, -1
	for k := range langCodes {
		switch {
		case best < 0 || scores[k] > scores[best]:
			second, best = best, k
		case second < 0 || scores[k] > scores[second]:
			second = k
		}
	}
	// Scores are in half words: at least three stop words, and at least
	// one word in twenty a stop word.
	if best < 0 || scores[best] < 6 || scores[best]*10 < words {
		return ""
	}
	if second >= 0 && scores[best]*10 < scores[second]*11 {
		return "" // within 10%: a tie
	}
	return langCodes[best]
}

// decided reports whether one language leads by a margin that more text
// will not overturn: twelve stop words and three times the runner-up.
func decided(scores *[32]int) bool {
	best, second := 0, 0
	for _, s := range scores[:len(langCodes)] {
		switch {
		case s > best:
			best, second = s, best
		case s > second:
			second = s
		}
	}
	return best >= 24 && best >= 3*second
}

// languageTag reduces a declared language tag to its lower-case primary
// subtag ("en-GB" → "en", "IT-it" → "it", "en_US" → "en").
func languageTag(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	tag = strings.ToLower(tag)
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	for i := 0; i < len(tag); i++ {
		if tag[i] < 'a' || tag[i] > 'z' {
			return ""
		}
	}
	return tag
}
