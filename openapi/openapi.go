// Package openapi holds Custody's OpenAPI 3.0 document, the full and authoritative description of
// the HTTP API. The server serves it at /openapi.json; tests hold the handlers' real requests and
// responses against it.
package openapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

//go:embed openapi.yaml
var spec []byte

// YAML returns the document as written, in YAML. Callers must not modify the slice.
func YAML() []byte { return spec }

var jsonOnce = sync.OnceValues(func() ([]byte, error) { return toJSON(spec) })

// JSON returns the document converted to JSON, for GET /openapi.json. The conversion runs once;
// later calls return the same bytes, which callers must not modify.
func JSON() ([]byte, error) { return jsonOnce() }

// Load parses the document, resolves its references and validates it as OpenAPI 3.0. Each call
// returns a fresh document that the caller may use with kin-openapi's routers and filters.
func Load() (*openapi3.T, error) {
	return load(context.Background(), spec)
}

func load(ctx context.Context, data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("openapi: load: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("openapi: validate: %w", err)
	}
	return doc, nil
}

// toJSON converts a YAML document to JSON, keeping every key and value as written.
func toJSON(data []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("openapi: parse yaml: %w", err)
	}
	out, err := json.Marshal(jsonValue(v))
	if err != nil {
		return nil, fmt.Errorf("openapi: encode json: %w", err)
	}
	return out, nil
}

// jsonValue turns what yaml.v3 decodes into values encoding/json can encode: mappings with
// non-string keys (such as an unquoted 200) become maps with string keys.
func jsonValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonValue(e)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = jsonValue(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = jsonValue(e)
		}
		return v
	}
	return v
}
