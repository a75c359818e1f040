package audience

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// handleGroups are JSON keys whose object value maps platform names to
// handles: {"social": {"x": "@bob", "instagram": "bob.s"}}.
var handleGroups = map[string]bool{
	"handles": true, "social": true, "socials": true, "profiles": true,
	"socialprofiles": true, "accounts": true, "socialhandles": true,
}

// jsonValues reads one JSON object into field values, in key order.
// Scalars are read as text; arrays give one value per element; an object
// under a key such as "handles" or "social" maps platform names to handles.
func (im *Importer) jsonValues(line []byte) ([]fieldValue, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, fmt.Errorf("invalid JSON: the line is not an object")
	}
	var out []fieldValue
	var ignored []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, jsonError(err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("%v after key %q", jsonError(err), key)
		}
		hk := headerKey(key)
		field, ok := lookupColumn(im.cfg.columns, hk)
		raw = bytes.TrimSpace(raw)
		if !ok && handleGroups[hk] && len(raw) > 0 && raw[0] == '{' {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, nil, fmt.Errorf("invalid JSON under key %q: %v", key, err)
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				f, ok := lookupColumn(im.cfg.columns, headerKey(k))
				if !ok || f.Platform() == "" {
					ignored = append(ignored, key+"."+k)
					continue
				}
				for _, v := range scalarTexts(m[k]) {
					out = append(out, fieldValue{name: key + "." + k, field: f, value: v})
				}
			}
			continue
		}
		if !ok {
			ignored = append(ignored, key)
			continue
		}
		if field == FieldIgnore {
			continue
		}
		var v any
		rd := json.NewDecoder(bytes.NewReader(raw))
		rd.UseNumber()
		if err := rd.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("invalid JSON under key %q: %v", key, err)
		}
		for _, t := range scalarTexts(v) {
			out = append(out, fieldValue{name: key, field: field, value: t})
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, jsonError(err)
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("invalid JSON: data after the object")
	}
	return out, ignored, nil
}

// jsonError words a decoding error.
func jsonError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: the object is not closed")
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

// scalarTexts returns the text of a scalar, or of each scalar in an array;
// null, booleans and nested objects give nothing.
func scalarTexts(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case json.Number:
		return []string{x.String()}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, scalarTexts(e)...)
		}
		return out
	}
	return nil
}
