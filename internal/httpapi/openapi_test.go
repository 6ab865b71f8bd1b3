package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra/internal/httpstatus"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func TestOpenAPIDocument(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		res := e.do("GET", "/api/v1/openapi.json", "", nil, nil)
		if res.Status != 200 {
			t.Fatalf("status %d", res.Status)
		}
		var doc struct {
			OpenAPI    string                               `json:"openapi"`
			Info       map[string]any                       `json:"info"`
			Paths      map[string]map[string]map[string]any `json:"paths"`
			Components struct {
				Schemas         map[string]map[string]any `json:"schemas"`
				SecuritySchemes map[string]any            `json:"securitySchemes"`
			} `json:"components"`
		}
		if err := json.Unmarshal(res.Body, &doc); err != nil {
			t.Fatalf("document is not valid JSON: %v", err)
		}
		if doc.OpenAPI != OpenAPIVersion || doc.Info["version"] != "test" || doc.Components.SecuritySchemes["bearer"] == nil {
			t.Errorf("header: openapi %q info %v", doc.OpenAPI, doc.Info)
		}
		// Every registered route is documented, with its path parameters.
		for _, rt := range e.srv.Routes() {
			op := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
			if op == nil {
				t.Errorf("route %s %s missing from the document", rt.Method, rt.Path)
				continue
			}
			if op["summary"] != rt.Summary {
				t.Errorf("%s %s: summary %v", rt.Method, rt.Path, op["summary"])
			}
			params, _ := op["parameters"].([]any)
			for _, name := range pathParams(rt.Path) {
				found := false
				for _, p := range params {
					pm := p.(map[string]any)
					found = found || (pm["name"] == name && pm["in"] == "path" && pm["required"] == true)
				}
				if !found {
					t.Errorf("%s %s: path parameter %s undocumented", rt.Method, rt.Path, name)
				}
			}
			sec, _ := op["security"].([]any)
			if (rt.Auth == AuthPublic) != (len(sec) == 0) {
				t.Errorf("%s %s: security %v does not match auth level %d", rt.Method, rt.Path, sec, rt.Auth)
			}
			if rt.Request != nil && op["requestBody"] == nil {
				t.Errorf("%s %s: request body undocumented", rt.Method, rt.Path)
			}
		}
		ops := 0
		for _, p := range doc.Paths {
			ops += len(p)
		}
		if ops != len(e.srv.Routes()) {
			t.Errorf("document has %d operations, %d routes are registered", ops, len(e.srv.Routes()))
		}
		// Every $ref resolves.
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				if ref, ok := x["$ref"].(string); ok {
					name := strings.TrimPrefix(ref, "#/components/schemas/")
					if doc.Components.Schemas[name] == nil {
						t.Errorf("dangling $ref %s", ref)
					}
				}
				for _, c := range x {
					walk(c)
				}
			case []any:
				for _, c := range x {
					walk(c)
				}
			}
		}
		var raw map[string]any
		_ = json.Unmarshal(res.Body, &raw)
		walk(raw)

		// Schemas reflect the Go types: required fields, enums, closed request bodies.
		cc := doc.Components.Schemas["ChannelCreateInput"]
		if cc == nil {
			t.Fatalf("ChannelCreateInput schema missing; have %v", keys(doc.Components.Schemas))
		}
		if cc["additionalProperties"] != false {
			t.Errorf("request body schema allows additional properties: %v", cc)
		}
		if req := toStrings(cc["required"]); !slices.Equal(req, []string{"module", "name"}) {
			t.Errorf("ChannelCreateInput required = %v, want [module name]", req)
		}
		mod := cc["properties"].(map[string]any)["module"].(map[string]any)
		if !slices.Equal(toStrings(mod["enum"]), moduleEnum) {
			t.Errorf("module enum = %v", mod["enum"])
		}
		lang := doc.Components.Schemas["OrganisationUpdateInput"]["properties"].(map[string]any)["language"].(map[string]any)
		if e := toStrings(lang["enum"]); !slices.Contains(e, "sv") || !slices.Contains(e, "en") {
			t.Errorf("language enum = %v", lang["enum"])
		}
		ch := doc.Components.Schemas["Channel"]
		if ch == nil || ch["additionalProperties"] != nil || !slices.Contains(toStrings(ch["required"]), "id") || slices.Contains(toStrings(ch["required"]), "address") {
			t.Errorf("Channel schema = %v", ch)
		}
		if doc.Components.Schemas["ChannelList"] == nil || doc.Components.Schemas["ErrorBody"] == nil {
			t.Errorf("list or error schema missing: %v", keys(doc.Components.Schemas))
		}
		created := doc.Components.Schemas["gallra.Channel"]
		if created != nil {
			t.Errorf("schema names leak package paths")
		}
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func TestNewRejectsBadRoutes(t *testing.T) {
	db := storetest.Open(t, store.SQLite, nil)
	h := func(w http.ResponseWriter, r *http.Request) error { return nil }
	for name, extra := range map[string]func(r *Router){
		"duplicate":   func(r *Router) { r.Handle(Route{Method: "GET", Path: "/healthz", Summary: "again", Handler: h}) },
		"no summary":  func(r *Router) { r.Handle(Route{Method: "GET", Path: "/x", Handler: h}) },
		"no handler":  func(r *Router) { r.Handle(Route{Method: "GET", Path: "/x", Summary: "x"}) },
		"bad method":  func(r *Router) { r.Handle(Route{Method: "FETCH", Path: "/x", Summary: "x", Handler: h}) },
		"bad pattern": func(r *Router) { r.Handle(Route{Method: "GET", Path: "/x/{", Summary: "x", Handler: h}) },
		"unknown error code": func(r *Router) {
			r.Handle(Route{Method: "GET", Path: "/x", Summary: "x", Errors: []string{"teapot"}, Handler: h})
		},
		"conflicting": func(r *Router) {
			r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{other}", Summary: "x", Handler: h})
		},
		"missing services":  nil,
		"missing takeout":   nil,
		"missing detectors": nil,
	} {
		t.Run(name, func(t *testing.T) {
			cfg := onDB(Config{}, db)
			switch name {
			case "missing services":
				cfg.Services = nil
			case "missing takeout":
				cfg.Takeout = nil
			case "missing detectors":
				cfg.Detectors = nil
			default:
				cfg.Extra = []func(*Router){extra}
			}
			if _, err := New(cfg); err == nil {
				t.Error("New accepted it")
			}
		})
	}
	// An Extra route registered from outside works and is documented.
	srv, err := New(onDB(Config{Extra: []func(*Router){func(r *Router) {
		r.Handle(Route{Method: "POST", Path: "/api/v1/example/extra", Summary: "Scan text", Tags: []string{"pii"}, Auth: AuthStaff,
			Request: PostEdit{}, Response: StatusResponse{}, Handler: h})
	}}}, db))
	if err != nil {
		t.Fatal(err)
	}
	doc := srv.OpenAPI()
	if doc["paths"].(map[string]map[string]any)["/api/v1/example/extra"]["post"] == nil {
		t.Error("extra route not documented")
	}
}

// textCode encodes itself as text (pointer receiver, as encoding/json allows).
type textCode struct{ n int }

func (c *textCode) MarshalText() ([]byte, error) { return []byte(strconv.Itoa(c.n)), nil }

// jsonCount encodes itself as a JSON number.
type jsonCount struct{ n int }

func (c jsonCount) MarshalJSON() ([]byte, error) { return json.Marshal(c.n) }

// jsonAny encodes its zero value as null, which says nothing of its kind.
type jsonAny struct{ v any }

func (c jsonAny) MarshalJSON() ([]byte, error) { return json.Marshal(c.v) }

func TestOpenAPISchemaOfSelfEncodingTypes(t *testing.T) {
	type body struct {
		Code  textCode   `json:"code"`
		Count *jsonCount `json:"count,omitempty"`
		Any   jsonAny    `json:"any"`
		When  time.Time  `json:"when"`
	}
	g := &schemaGen{defs: map[string]any{}, names: map[schemaKey]string{}}
	g.ref(reflect.TypeFor[body](), false)
	props := g.defs["body"].(map[string]any)["properties"].(map[string]any)
	for name, want := range map[string]string{
		"code":  `{"type":"string"}`,
		"count": `{"type":["number","null"]}`,
		"any":   `{}`,
		"when":  `{"format":"date-time","type":"string"}`,
	} {
		got, _ := json.Marshal(props[name])
		if string(got) != want {
			t.Errorf("%s: schema %s, want %s", name, got, want)
		}
	}
	for _, name := range []string{"textCode", "jsonCount", "jsonAny"} {
		if g.defs[name] != nil {
			t.Errorf("%s, which encodes itself, got an object schema of its fields", name)
		}
	}
}

// TestOpenAPIErrorResponses checks the error statuses the document declares:
// those implied by each route's declaration, the route's own business-rule
// codes, all with the one error schema and no catch-all.
func TestOpenAPIErrorResponses(t *testing.T) {
	db := storetest.Open(t, store.SQLite, nil)
	eng := retention.New(db, orgpii.New(db), retention.Config{})
	srv, err := New(onDB(Config{Extra: []func(*Router){RetentionRoutes(eng)}}, db))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(srv.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]struct{ Responses map[string]map[string]any } `json:"paths"`
		Components struct{ Schemas map[string]map[string]any }                         `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	errRef := `{"application/json":{"schema":{"$ref":"#/components/schemas/ErrorBody"}}}`
	for _, rt := range srv.Routes() {
		name := rt.Method + " " + rt.Path
		responses := doc.Paths[rt.Path][strings.ToLower(rt.Method)].Responses
		want := map[string]bool{strconv.Itoa(rt.Status): true, "500": true}
		switch rt.Auth {
		case AuthOperator:
			want["401"], want["404"] = true, true // 404: no operator token configured
		case AuthStaff, AuthAdmin:
			want["401"], want["403"] = true, true
		}
		if strings.Contains(rt.Path, "{") {
			want["400"], want["404"] = true, true
		}
		if rt.Request != nil {
			want["400"], want["413"] = true, true
		}
		if rt.Auth == AuthPublic && rt.Method == "POST" && !rt.NoRateLimit {
			want["429"] = true
		}
		for _, code := range rt.Errors {
			want[strconv.Itoa(httpstatus.Code(code))] = true
		}
		for status := range want {
			if responses[status] == nil {
				t.Errorf("%s: status %s undeclared", name, status)
			}
		}
		for status, resp := range responses {
			if !want[status] && len(rt.Query) == 0 { // routes with query parameters may also answer 400
				t.Errorf("%s: declares %s, which nothing implies", name, status)
			}
			if status >= "400" {
				if got, _ := json.Marshal(resp["content"]); string(got) != errRef {
					t.Errorf("%s: %s content %s, want the error schema", name, status, got)
				}
			}
		}
	}
	// The defects the issue names: 422 undeclared, period and cap as objects.
	for _, op := range []string{"PUT /api/v1/channels/{id}/retention", "POST /api/v1/requests"} {
		method, path, _ := strings.Cut(op, " ")
		if doc.Paths[path][strings.ToLower(method)].Responses["422"] == nil {
			t.Errorf("%s does not declare 422", op)
		}
	}
	props, _ := doc.Components.Schemas["RetentionResolved"]["properties"].(map[string]any)
	for name, want := range map[string]string{"period": `{"type":"string"}`, "cap": `{"type":["string","null"]}`} {
		if got, _ := json.Marshal(props[name]); string(got) != want {
			t.Errorf("RetentionResolved.%s: schema %s, want %s", name, got, want)
		}
	}
}
