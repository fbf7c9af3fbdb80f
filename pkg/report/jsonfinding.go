package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/rampart-k8s/rampart/pkg/finding"
)

// findingEncoder writes findings exactly as encoding/json writes them in
// the report (json.Encoder with SetIndent("", "  ") and SetEscapeHTML(false),
// each finding an element of the top-level "findings" array), without
// reflection and without a second pass to indent: the findings are most of
// a report. Evidence values of other types than the common ones go through
// encoding/json. TestFindingEncoderMatchesEncodingJSON holds it to the
// standard encoder.
type findingEncoder struct {
	compact bytes.Buffer
	enc     *json.Encoder
	keys    []string
	// checks holds, per check ID, the encoded members that every finding of
	// a check shares (title, remediation, controls): most of a finding's
	// text.
	checks map[string]*checkMembers
}

// checkMembers are a check's shared members, as strings and as written.
type checkMembers struct {
	title, remediation string
	controls           []string
	// head is from "checkID" to the title's value; tail is the remediation
	// and controls members, each after its leading comma.
	head, tail []byte
}

func newFindingEncoder() *findingEncoder {
	e := &findingEncoder{checks: map[string]*checkMembers{}}
	e.enc = json.NewEncoder(&e.compact)
	e.enc.SetEscapeHTML(false)
	return e
}

// members returns the encoded shared members of f's check, encoding them
// when f's differ from those seen last for its check ID.
func (e *findingEncoder) members(f *finding.Finding) *checkMembers {
	m := e.checks[f.CheckID]
	if m != nil && m.title == f.Title && m.remediation == f.Remediation && slices.Equal(m.controls, f.Controls) {
		return m
	}
	m = &checkMembers{title: f.Title, remediation: f.Remediation, controls: slices.Clone(f.Controls)}
	m.head = append(m.head, findingMember+`"checkID": `...)
	m.head = appendString(m.head, f.CheckID)
	m.head = append(m.head, ","+findingMember+`"title": `...)
	m.head = appendString(m.head, f.Title)
	if f.Remediation != "" {
		m.tail = append(m.tail, ","+findingMember+`"remediation": `...)
		m.tail = appendString(m.tail, f.Remediation)
	}
	if len(f.Controls) > 0 {
		m.tail = append(m.tail, ","+findingMember+`"controls": [`...)
		for i, c := range f.Controls {
			if i > 0 {
				m.tail = append(m.tail, ',')
			}
			m.tail = append(m.tail, nestedMember...)
			m.tail = appendString(m.tail, c)
		}
		m.tail = append(m.tail, nestedArray...)
	}
	e.checks[f.CheckID] = m
	return m
}

// Indentation of the members of a finding and of the objects inside it.
const (
	findingMember = "\n      "
	nestedMember  = "\n        "
	findingClose  = "\n    }"
	nestedClose   = "\n      }"
	nestedArray   = "\n      ]"
)

// append appends f: "{", its members, and "}" at the findings' indentation.
func (e *findingEncoder) append(b []byte, f *finding.Finding) ([]byte, error) {
	m := e.members(f)
	b = append(b, '{')
	b = append(b, m.head...)
	b = append(b, ","+findingMember+`"severity": `...)
	b = appendString(b, f.Severity.String()) // as Severity.MarshalJSON
	b = append(b, ","+findingMember+`"category": `...)
	b = appendString(b, string(f.Category))

	b = append(b, ","+findingMember+`"resource": `...)
	r := &f.Resource
	b = appendStrings(b, "apiVersion", r.APIVersion, "kind", r.Kind, "namespace", r.Namespace, "name", r.Name, "uid", r.UID)

	b = append(b, ","+findingMember+`"location": `...)
	l := &f.Location
	if l.File == "" && l.Line == 0 && l.Field == "" {
		b = append(b, "{}"...)
	} else {
		sep := byte('{')
		if l.File != "" {
			b = append(b, sep)
			b = append(b, nestedMember+`"file": `...)
			b = appendString(b, l.File)
			sep = ','
		}
		if l.Line != 0 {
			b = append(b, sep)
			b = append(b, nestedMember+`"line": `...)
			b = strconv.AppendInt(b, int64(l.Line), 10)
			sep = ','
		}
		if l.Field != "" {
			b = append(b, sep)
			b = append(b, nestedMember+`"field": `...)
			b = appendString(b, l.Field)
		}
		b = append(b, nestedClose...)
	}

	b = append(b, ","+findingMember+`"message": `...)
	b = appendString(b, f.Message)
	b = append(b, m.tail...)
	if len(f.Evidence) > 0 {
		b = append(b, ","+findingMember+`"evidence": {`...)
		e.keys = e.keys[:0]
		for k := range f.Evidence {
			e.keys = append(e.keys, k)
		}
		slices.Sort(e.keys)
		for i, k := range e.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, nestedMember...)
			b = appendString(b, k)
			b = append(b, ": "...)
			var err error
			if b, err = e.appendValue(b, f.Evidence[k]); err != nil {
				return b, err
			}
		}
		b = append(b, nestedClose...)
	}
	if s := f.Suppressed; s != nil {
		b = append(b, ","+findingMember+`"suppressed": {`...)
		b = append(b, nestedMember+`"kind": `...)
		b = appendString(b, s.Kind)
		if s.Reason != "" {
			b = append(b, ","+nestedMember+`"reason": `...)
			b = appendString(b, s.Reason)
		}
		if s.Expires != "" {
			b = append(b, ","+nestedMember+`"expires": `...)
			b = appendString(b, s.Expires)
		}
		b = append(b, nestedClose...)
	}
	return append(b, findingClose...), nil
}

// appendStrings appends an object of string members that are omitted when
// empty (as omitempty does), given as name, value pairs.
func appendStrings(b []byte, pairs ...string) []byte {
	sep := byte('{')
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		b = append(b, sep)
		b = append(b, nestedMember...)
		b = append(b, '"')
		b = append(b, pairs[i]...)
		b = append(b, `": `...)
		b = appendString(b, pairs[i+1])
		sep = ','
	}
	if sep == '{' {
		return append(b, "{}"...)
	}
	return append(b, nestedClose...)
}

// appendValue appends an evidence value, which sits two levels deep.
func (e *findingEncoder) appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendString(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case []string:
		switch {
		case v == nil:
			return append(b, "null"...), nil
		case len(v) == 0:
			return append(b, "[]"...), nil
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, nestedMember+"  "...)
			b = appendString(b, s)
		}
		return append(b, nestedMember+"]"...), nil
	}
	e.compact.Reset()
	if err := e.enc.Encode(v); err != nil {
		return b, err
	}
	var out bytes.Buffer
	indentCompact(&out, bytes.TrimSuffix(e.compact.Bytes(), []byte("\n")), "        ", "  ")
	return append(b, out.Bytes()...), nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string exactly as encoding/json does
// without HTML escaping: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
