package format

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// node is an element of a parsed XML document, with the byte offsets that
// let a caller cut its source out of the document.
type node struct {
	name     xml.Name
	attr     []xml.Attr
	parent   *node
	children []*node
	text     strings.Builder // direct character data, CDATA included

	start, innerStart, innerEnd, end int64
}

// maxDepth bounds element nesting; deeper documents are refused rather
// than walked (a billion-laughs cousin).
const maxDepth = 512

// parseXML builds the element tree of a UTF-8 document. The decoder is
// lenient as feeds need (HTML entities, undeclared prefixes, stray "&"), but
// a document that ends early or holds no element is an error wrapping
// ErrSyntax.
func parseXML(data []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	// The caller has decoded the bytes to UTF-8 whatever the declaration
	// says, so the declaration must not make the decoder convert again.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }

	var root, cur *node
	depth := 0
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%v: %w", err, ErrSyntax)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxDepth {
				return nil, fmt.Errorf("elements nested deeper than %d: %w", maxDepth, ErrSyntax)
			}
			n := &node{name: t.Name, attr: t.Attr, parent: cur, start: off, innerStart: d.InputOffset()}
			if cur != nil {
				cur.children = append(cur.children, n)
			} else if root == nil {
				root = n
			} else {
				return nil, fmt.Errorf("second root element <%s>: %w", t.Name.Local, ErrSyntax)
			}
			cur = n
		case xml.EndElement:
			if cur == nil {
				return nil, fmt.Errorf("unexpected </%s>: %w", t.Name.Local, ErrSyntax)
			}
			depth--
			cur.innerEnd, cur.end = off, d.InputOffset()
			if cur.innerEnd < cur.innerStart { // <x/>: the end is synthesised
				cur.innerEnd = cur.innerStart
			}
			cur = cur.parent
		case xml.CharData:
			if cur != nil {
				cur.text.Write(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element: %w", ErrSyntax)
	}
	if cur != nil {
		return nil, fmt.Errorf("document ends inside <%s>: %w", cur.name.Local, ErrSyntax)
	}
	return root, nil
}

// is reports whether n is named local in one of the namespaces (by URI or
// by the prefix a sloppy feed left undeclared); no namespaces given means
// any namespace.
func (n *node) is(local string, spaces ...string) bool {
	if n.name.Local != local {
		return false
	}
	if len(spaces) == 0 {
		return true
	}
	for _, s := range spaces {
		if n.name.Space == s {
			return true
		}
	}
	return false
}

// child returns the first direct child named local in spaces.
func (n *node) child(local string, spaces ...string) *node {
	for _, c := range n.children {
		if c.is(local, spaces...) {
			return c
		}
	}
	return nil
}

// childText is the trimmed direct text of the first such child.
func (n *node) childText(local string, spaces ...string) string {
	if c := n.child(local, spaces...); c != nil {
		return strings.TrimSpace(c.text.String())
	}
	return ""
}

// deepText is all character data under n, in document order.
func (n *node) deepText() string {
	var sb strings.Builder
	var walk func(*node)
	walk = func(m *node) {
		// Direct text and children interleave in the source; the tree
		// keeps them apart, which is good enough for titles and names.
		sb.WriteString(m.text.String())
		for _, c := range m.children {
			walk(c)
		}
	}
	walk(n)
	return sb.String()
}

// attrValue returns the value of the attribute named local (any namespace).
func (n *node) attrValue(local string) string {
	for _, a := range n.attr {
		if a.Name.Local == local && a.Name.Space != "xmlns" {
			return a.Value
		}
	}
	return ""
}

// lang is the xml:lang in scope at n.
func (n *node) lang() string {
	for m := n; m != nil; m = m.parent {
		for _, a := range m.attr {
			if a.Name.Local == "lang" && (a.Name.Space == "xml" || a.Name.Space == xmlNS) {
				return strings.TrimSpace(a.Value)
			}
		}
	}
	return ""
}

const xmlNS = "http://www.w3.org/XML/1998/namespace"

// find appends every descendant of n (n included) for which match holds,
// without descending into matches.
func (n *node) find(match func(*node) bool, out []*node) []*node {
	if match(n) {
		return append(out, n)
	}
	for _, c := range n.children {
		out = c.find(match, out)
	}
	return out
}

// inner is the source between n's start and end tags.
func (n *node) inner(data []byte) string {
	if n.innerStart >= n.innerEnd || n.innerEnd > int64(len(data)) {
		return ""
	}
	return string(data[n.innerStart:n.innerEnd])
}
