package openapi

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestOpenAPILoadValidates(t *testing.T) {
	doc, err := Load()
	if err != nil {
		t.Fatalf("Load() = %v, want a valid OpenAPI 3.0 document", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("Load().OpenAPI = %q, want 3.0.3", doc.OpenAPI)
	}
}

func TestOpenAPIRejectsBrokenDocument(t *testing.T) {
	// A reference to a schema that does not exist must fail Load's validation, or Load would
	// vouch for any document.
	broken := bytes.Replace(YAML(), []byte("#/components/schemas/Problem'"), []byte("#/components/schemas/NoSuchSchema'"), 1)
	if bytes.Equal(broken, YAML()) {
		t.Fatal("the document has no Problem reference to break")
	}
	if _, err := load(t.Context(), broken); err == nil {
		t.Error("load(document with a dangling $ref) = nil error, want an error")
	}
}

func TestOpenAPIJSONMatchesYAML(t *testing.T) {
	j, err := JSON()
	if err != nil {
		t.Fatalf("JSON() = %v", err)
	}
	again, err := JSON()
	if err != nil || !bytes.Equal(j, again) {
		t.Errorf("JSON() twice differs (err %v)", err)
	}
	fromJSON, err := openapi3.NewLoader().LoadFromData(j)
	if err != nil {
		t.Fatalf("loading JSON(): %v", err)
	}
	if err := fromJSON.Validate(t.Context()); err != nil {
		t.Fatalf("JSON() does not validate: %v", err)
	}
	fromYAML, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fromJSON.Paths.Len(), fromYAML.Paths.Len(); got != want {
		t.Errorf("JSON() has %d paths, YAML() has %d", got, want)
	}
	// Response codes are YAML keys that a careless conversion turns into numbers or drops.
	var raw map[string]any
	if err := json.Unmarshal(j, &raw); err != nil {
		t.Fatal(err)
	}
	paths, _ := raw["paths"].(map[string]any)
	login, _ := paths["/v1/auth/login"].(map[string]any)
	post, _ := login["post"].(map[string]any)
	responses, _ := post["responses"].(map[string]any)
	if _, ok := responses["200"]; !ok {
		t.Errorf(`JSON() paths["/v1/auth/login"].post.responses has no "200": %v`, responses)
	}
}

// fixedOperations are the operations API.md and the api package's brief name; each must be
// described. API.md is parsed as well when it can be found, so a new fixed point fails here.
var fixedOperations = []string{
	"GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json",
	"POST /v1/auth/login", "POST /v1/auth/refresh", "POST /v1/auth/logout",
	"POST /v1/tokens", "GET /v1/tokens", "DELETE /v1/tokens/{id}",
	"POST /v1/locations", "GET /v1/locations", "GET /v1/locations/{id}", "PATCH /v1/locations/{id}",
	"POST /v1/products", "GET /v1/products", "GET /v1/products/{id}", "PATCH /v1/products/{id}",
	"POST /v1/items", "GET /v1/items", "GET /v1/items/{id}", "PATCH /v1/items/{id}", "DELETE /v1/items/{id}",
	"PUT /v1/items/by-external-id/{external_id}",
	"POST /v1/users", "GET /v1/users", "GET /v1/users/{id}", "PATCH /v1/users/{id}",
	"POST /v1/import/items", "GET /v1/export/items",
	"POST /v1/resolve",
	"POST /v1/items/{id}/checkout", "POST /v1/items/{id}/checkin", "POST /v1/items/{id}/transfer",
	"POST /v1/items/{id}/retire", "POST /v1/items/{id}/lost", "POST /v1/items/{id}/found",
	"GET /v1/items/{id}/history",
	"POST /v1/stock/adjust", "POST /v1/stock/count", "PUT /v1/stock/levels", "GET /v1/stock",
	"POST /v1/sync",
	"POST /v1/readers", "GET /v1/readers", "POST /v1/readers/{id}/sweeps", "POST /v1/readers/{id}/events",
	"POST /v1/devices", "GET /v1/alerts",
}

func TestOpenAPIDescribesFixedOperations(t *testing.T) {
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range fixedOperations {
		method, path, _ := strings.Cut(op, " ")
		if doc.Paths.Find(path) == nil || doc.Paths.Find(path).GetOperation(method) == nil {
			t.Errorf("openapi.yaml has no %s", op)
		}
	}
}

func TestOpenAPIDescribesAPIMD(t *testing.T) {
	// API.md lives in the shared folder beside the module: ../../shared from this package.
	path := filepath.Join("..", "..", "shared", "API.md")
	md, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("API.md not found at %s (%v); TestOpenAPIDescribesFixedOperations still checks the copied list", path, err)
	}
	ops := apiMDOperations(string(md))
	if len(ops) < 30 {
		t.Fatalf("found only %d operations in %s; the parser no longer reads it: %v", len(ops), path, ops)
	}
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		method, p, _ := strings.Cut(op, " ")
		if doc.Paths.Find(p) == nil || doc.Paths.Find(p).GetOperation(method) == nil {
			t.Errorf("API.md names %s; openapi.yaml does not describe it", op)
		}
		if !slices.Contains(fixedOperations, op) {
			t.Errorf("API.md names %s; add it to fixedOperations", op)
		}
	}
}

// apiMDOperation matches code spans such as `GET /healthz`, `POST/GET /v1/items` and
// `GET /v1/stock?product_id=&location_id=`.
var apiMDOperation = regexp.MustCompile("`((?:GET|POST|PUT|PATCH|DELETE)(?:/(?:GET|POST|PUT|PATCH|DELETE))*) (/[^`\\s?]*)")

// apiMDOperations lists "METHOD /path" for every operation API.md names.
func apiMDOperations(md string) []string {
	var ops []string
	for _, m := range apiMDOperation.FindAllStringSubmatch(md, -1) {
		for _, method := range strings.Split(m[1], "/") {
			op := method + " " + m[2]
			if !slices.Contains(ops, op) {
				ops = append(ops, op)
			}
		}
	}
	return ops
}

func TestAPIMDOperations(t *testing.T) {
	md := "- `POST/GET /v1/locations`, `GET/PATCH /v1/locations/{id}` — `{name}`\n" +
		"- `GET /v1/stock?product_id=&location_id=` → `{data}`; `GET /healthz` (up)\n" +
		"requests go to `<base>/v1/projects/<project>/messages:send`."
	got := apiMDOperations(md)
	want := []string{"POST /v1/locations", "GET /v1/locations", "GET /v1/locations/{id}", "PATCH /v1/locations/{id}", "GET /v1/stock", "GET /healthz"}
	if !slices.Equal(got, want) {
		t.Errorf("apiMDOperations() = %q, want %q", got, want)
	}
}

func TestOpenAPIErrorsAreProblems(t *testing.T) {
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code, resp := range op.Responses.Map() {
				if code == "default" || code[0] < '4' {
					continue
				}
				// The import's atomic 422 carries the report as JSON or as a problem.
				if resp.Value.Content.Get("application/problem+json") == nil {
					t.Errorf("%s %s: response %s is not application/problem+json", method, path, code)
				}
			}
			if op.Responses.Value("500") == nil && path != "/healthz" && path != "/metrics" && path != "/openapi.json" && path != "/readyz" {
				t.Errorf("%s %s: no 500 response", method, path)
			}
			if op.RequestBody != nil {
				for mt, media := range op.RequestBody.Value.Content {
					s := media.Schema.Value
					if mt == "application/json" && s.Type.Is("object") && (s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has) {
						t.Errorf("%s %s: request body schema allows additional properties", method, path)
					}
				}
				if op.Responses.Value("400") == nil || op.Responses.Value("413") == nil {
					t.Errorf("%s %s: takes a body but lists no 400 or no 413", method, path)
				}
			}
			if op.Responses.Value("201") != nil {
				if op.Responses.Value("201").Value.Headers["Location"] == nil {
					t.Errorf("%s %s: 201 without a Location header", method, path)
				}
			}
		}
	}
}
