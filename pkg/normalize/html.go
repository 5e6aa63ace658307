package normalize

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// dropAlways are elements whose content is never article text.
var dropAlways = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Head: true,
	atom.Title: true, atom.Iframe: true, atom.Svg: true, atom.Math: true, atom.Object: true,
	atom.Canvas: true, atom.Select: true, atom.Textarea: true, atom.Button: true, atom.Audio: true,
	atom.Video: true, atom.Picture: true, atom.Map: true,
}

// rawText are the elements the tokenizer reads as raw text.
var rawText = map[atom.Atom]bool{
	atom.Iframe: true, atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Textarea: true,
	atom.Title: true, atom.Noembed: true, atom.Noframes: true, atom.Xmp: true, atom.Plaintext: true,
}

// dropChrome are page furniture: navigation, headers and footers, side
// bars, forms and figures with their captions. They are dropped unless that
// leaves no text at all (a page that wraps its story in a header, or never
// closes a nav), in which case only dropAlways applies.
var dropChrome = map[atom.Atom]bool{
	atom.Nav: true, atom.Header: true, atom.Footer: true, atom.Aside: true, atom.Form: true,
	atom.Figure: true, atom.Figcaption: true, atom.Menu: true, atom.Dialog: true,
}

// blockElems start and end a paragraph.
var blockElems = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Dl: true,
	atom.Dt: true, atom.Dd: true, atom.Blockquote: true, atom.Pre: true, atom.Table: true,
	atom.Tr: true, atom.Thead: true, atom.Tbody: true, atom.Tfoot: true, atom.Caption: true,
	atom.Section: true, atom.Article: true, atom.Main: true, atom.Address: true, atom.Center: true,
	atom.Fieldset: true, atom.Details: true, atom.Summary: true, atom.Body: true, atom.Html: true,
	atom.Hr: true, atom.Figure: true, atom.Figcaption: true, atom.Header: true, atom.Footer: true,
	atom.Nav: true, atom.Aside: true, atom.Form: true, atom.Legend: true, atom.Hgroup: true,
}

// maxHTMLDepth bounds the open-element bookkeeping on pathological input.
const maxHTMLDepth = 1 << 16

// htmlToText renders HTML as text for splitParagraphs: block elements become
// blank lines, <br> a line break, table cells are separated by spaces,
// character references are decoded. Inside <pre>, and everywhere when
// keepNewlines is set (text declared plain that carries a few tags), line
// breaks of the source are kept; elsewhere they are spaces, as HTML renders
// them.
func htmlToText(s string, keepNewlines bool) string {
	out, skipped := renderHTML(s, keepNewlines, true)
	if skipped && !hasWordChar(out) {
		out, _ = renderHTML(s, keepNewlines, false)
	}
	return out
}

// renderHTML does the work of htmlToText; dropChromeToo says whether page
// furniture is dropped. skipped reports whether any text was dropped as
// furniture.
func renderHTML(s string, keepNewlines, dropChromeToo bool) (out string, skipped bool) {
	z := html.NewTokenizer(strings.NewReader(s))
	z.SetMaxBuf(0)
	var sb strings.Builder
	sb.Grow(len(s))
	var skipTag atom.Atom // element being dropped
	skipName := ""
	skipDepth := 0
	pre := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			// io.EOF, or a tokenizer limit: what we have is the text.
			return sb.String(), skipped
		case html.TextToken:
			if skipDepth > 0 {
				skipped = true
				continue
			}
			writeHTMLText(&sb, z.Text(), keepNewlines || pre > 0)
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipDepth > 0 {
				if tt == html.StartTagToken && (a != 0 && a == skipTag || a == 0 && string(name) == skipName) && skipDepth < maxHTMLDepth {
					skipDepth++
				}
				continue
			}
			// A raw-text element ("<iframe/>", "<script/>") reads as raw
			// text up to its end tag even when written self-closing, as
			// browsers do; drop that text too.
			if (tt == html.StartTagToken || rawText[a]) && (dropAlways[a] || dropChromeToo && dropChrome[a]) {
				skipTag, skipName, skipDepth = a, string(name), 1
				continue
			}
			switch {
			case a == atom.Br:
				sb.WriteByte('\n')
			case a == atom.Td || a == atom.Th:
				sb.WriteByte(' ')
			case a == atom.Img || a == atom.Wbr:
			case blockElems[a]:
				sb.WriteString("\n\n")
				if a == atom.Pre && tt == html.StartTagToken {
					pre++
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipDepth > 0 {
				if a != 0 && a == skipTag || a == 0 && string(name) == skipName {
					skipDepth--
				}
				continue
			}
			switch {
			case a == atom.Td || a == atom.Th:
				sb.WriteByte(' ')
			case a == atom.Br:
				sb.WriteByte('\n') // "</br>" renders as a break too
			case blockElems[a]:
				sb.WriteString("\n\n")
				if a == atom.Pre && pre > 0 {
					pre--
				}
			}
		}
	}
}

// writeHTMLText appends decoded text, turning source line breaks into
// spaces unless keep is set.
func writeHTMLText(sb *strings.Builder, t []byte, keep bool) {
	if keep {
		sb.Write(t)
		return
	}
	for _, c := range t {
		if c == '\n' || c == '\r' || c == '\t' {
			c = ' '
		}
		sb.WriteByte(c)
	}
}

// looksLikeHTML reports whether text declared plain carries HTML markup:
// a closing tag of a block element ("</p>", "</div>", "</li>", …) or a
// line break ("<br>", "<br/>"). Opening tags alone do not count: wire copy
// writes company names and tickers in angle brackets ("<Sale Tilney Plc>",
// "<I>", "<P>"), which must stay text.
func looksLikeHTML(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0 && i+2 < len(s); {
		rest := s[i+1:]
		closing := rest[0] == '/'
		if closing {
			rest = rest[1:]
		}
		n := 0
		for n < len(rest) && n < 12 && (rest[n] >= 'a' && rest[n] <= 'z' || rest[n] >= 'A' && rest[n] <= 'Z' || rest[n] >= '1' && rest[n] <= '6') {
			n++
		}
		if n > 0 && n < len(rest) {
			a := atom.Lookup([]byte(strings.ToLower(rest[:n])))
			switch {
			case a == atom.Br && (rest[n] == '>' || rest[n] == '/' || rest[n] == ' '):
				return true
			case closing && rest[n] == '>' && (blockElems[a] || dropAlways[a]):
				return true
			}
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}
