package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseNinjs decodes an IPTC ninjs document: one object, or a top-level
// array of objects (a collection). Property names are matched without
// regard to case, so the lower-case names of ninjs 1.x/2.x and the camel
// case of 3.x ("versioncreated", "versionCreated") both work, and a property
// of an unexpected type is ignored rather than failing the item.
//
// Bodies: 3.x/2.x "bodies" (HTML or XHTML preferred, then NITF, then
// plain), else 1.x "body_html", "body_xhtml", "body_text". Headline: the
// "main" entry of "headlines", else "headline", else "title".
func ParseNinjs(data []byte) ([]Item, error) {
	if !utf8.Valid(data) {
		s, _ := DecodeBytes(data, "")
		data = []byte(s)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, fmt.Errorf("parse ninjs: empty document: %w", ErrSyntax)
	}
	var objs []map[string]json.RawMessage
	switch data[0] {
	case '[':
		var arr []json.RawMessage
		if err := json.Unmarshal(data, &arr); err != nil {
			return nil, fmt.Errorf("parse ninjs: %w: %w", err, ErrSyntax)
		}
		for _, el := range arr {
			var m map[string]json.RawMessage
			if json.Unmarshal(el, &m) == nil && m != nil {
				objs = append(objs, m)
			}
		}
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("parse ninjs: %w: %w", err, ErrSyntax)
		}
		objs = append(objs, m)
	default:
		return nil, fmt.Errorf("parse ninjs: document is neither an object nor an array: %w", ErrSyntax)
	}
	items := make([]Item, 0, len(objs))
	for _, m := range objs {
		items = append(items, ninjsItem(lowerKeys(m)))
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("parse ninjs: %w", ErrNoItem)
	}
	return items, nil
}

func lowerKeys(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		lk := strings.ToLower(k)
		if _, dup := out[lk]; !dup {
			out[lk] = v
		}
	}
	return out
}

// jsonString reads a JSON string, number or boolean as text; anything else
// is "".
func jsonString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case '{', '[', 'n':
		return ""
	default:
		if _, err := strconv.ParseFloat(string(raw), 64); err == nil || string(raw) == "true" || string(raw) == "false" {
			return string(raw)
		}
	}
	return ""
}

// ninjsText is an entry of headlines, descriptions or bodies.
type ninjsText struct {
	Role        string
	ContentType string
	Value       string
}

// jsonTexts reads an array of {role, contenttype, value} objects, skipping
// entries of another shape.
func jsonTexts(raw json.RawMessage) []ninjsText {
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) != nil {
		return nil
	}
	out := make([]ninjsText, 0, len(arr))
	for _, el := range arr {
		var m map[string]json.RawMessage
		if json.Unmarshal(el, &m) != nil {
			continue
		}
		m = lowerKeys(m)
		t := ninjsText{Role: jsonString(m["role"]), ContentType: jsonString(m["contenttype"]), Value: jsonString(m["value"])}
		if t.Value != "" {
			out = append(out, t)
		}
	}
	return out
}

// jsonNames reads the "name" of each object of an array (ninjs authors,
// people) or a plain string array.
func jsonNames(raw json.RawMessage) []string {
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) != nil {
		return nil
	}
	var out []string
	for _, el := range arr {
		if s := jsonString(el); s != "" {
			out = append(out, s)
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(el, &m) == nil {
			if s := jsonString(lowerKeys(m)["name"]); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func ninjsItem(m map[string]json.RawMessage) Item {
	str := func(keys ...string) string {
		for _, k := range keys {
			if s := strings.TrimSpace(jsonString(m[k])); s != "" {
				return s
			}
		}
		return ""
	}
	it := Item{
		ID:             str("uri", "guid"),
		Version:        str("version"),
		Type:           str("type"),
		Language:       str("language"),
		FirstCreated:   str("firstcreated", "contentcreated"),
		VersionCreated: str("versioncreated"),
		ContentCreated: str("contentcreated"),
		Embargoed:      str("embargoed"),
		PubStatus:      afterColon(str("pubstatus")),
		Located:        str("located"),
	}

	for _, h := range jsonTexts(m["headlines"]) {
		switch strings.ToLower(afterColon(h.Role)) {
		case "", "main":
			if it.Headline == "" {
				it.Headline = h.Value
			}
		case "sub", "subheadline", "subtitle":
			if it.Subheadline == "" {
				it.Subheadline = h.Value
			}
		}
	}
	if it.Headline == "" {
		it.Headline = str("headline", "title")
	}

	it.Byline = str("by", "byline")
	if it.Byline == "" {
		it.Byline = strings.Join(jsonNames(m["authors"]), ", ")
	}

	// Body: rank the candidates and keep the best.
	best, bestType, bestRank := "", "", 0
	consider := func(value, ctype string, rank int) {
		if strings.TrimSpace(value) == "" || rank <= bestRank {
			return
		}
		best, bestType, bestRank = value, ctype, rank
	}
	for _, b := range jsonTexts(m["bodies"]) {
		ct := strings.ToLower(b.ContentType)
		role := strings.ToLower(b.Role)
		switch {
		case strings.Contains(ct, "nitf") || role == "nitf":
			consider(nitfToHTML(b.Value, &it), BodyHTML, 2)
		case strings.Contains(ct, "html") || strings.Contains(ct, "xml") || role == "html" || role == "xhtml":
			consider(b.Value, BodyHTML, 3)
		default:
			consider(b.Value, BodyPlain, 1)
		}
	}
	consider(str("body_text"), BodyPlain, 1)
	consider(nitfToHTML(str("body_nitf"), &it), BodyHTML, 2)
	consider(str("body_xhtml"), BodyHTML, 3)
	consider(str("body_html"), BodyHTML, 4)
	it.Body, it.BodyType = best, bestType

	// Description: plain text preferred; a caption or lead serves pictures,
	// video and events.
	desc := str("description_text", "description_html", "description_xhtml", "description_caption_xhtml")
	if desc == "" {
		for _, d := range jsonTexts(m["descriptions"]) {
			switch strings.ToLower(afterColon(d.Role)) {
			case "", "text", "caption", "lead", "summary", "abstract", "description":
				desc = d.Value
			}
			if desc != "" {
				break
			}
		}
	}
	it.Description = desc
	return it
}

// nitfToHTML converts a NITF document (a string holding XML) to simple
// HTML, filling the empty headline, byline and dateline of it from the NITF
// head; on a syntax error the text is returned as it is, and the HTML
// cleaner copes with the markup.
func nitfToHTML(s string, it *Item) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	if out, err := xmlToHTML([]byte(s), it); err == nil {
		return out
	}
	return s
}
