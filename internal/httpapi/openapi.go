package httpapi

import (
	"encoding"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/httpstatus"
)

// OpenAPIVersion is the version of the OpenAPI specification the document
// follows (3.1: its schemas are JSON Schema 2020-12).
const OpenAPIVersion = "3.1.0"

// enumOf lists the values of the domain's named string types, so that every
// field of such a type is documented with its enum.
var enumOf = map[reflect.Type][]string{
	reflect.TypeFor[gallra.Module]():      moduleEnum,
	reflect.TypeFor[gallra.Role]():        {"admin", "editor"},
	reflect.TypeFor[gallra.PostKind]():    {"post", "comment"},
	reflect.TypeFor[gallra.Direction]():   {"in", "out"},
	reflect.TypeFor[gallra.ChatSender]():  {"customer", "staff", "system"},
	reflect.TypeFor[gallra.SubjectType](): subjectEnum,

	reflect.TypeFor[gallra.ConversationStatus](): {"open", "waiting", "closed"},
}

// OpenAPI returns the OpenAPI document generated from the registered routes:
// each route's metadata and its request and response Go types, reflected
// through their json tags (fields without omitempty are required; request
// bodies allow no additional properties; an `enum:"a,b"` tag or a known
// domain type gives an enum).
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{defs: map[string]any{}, names: map[schemaKey]string{}}
	errRef := g.ref(reflect.TypeFor[ErrorBody](), false)
	paths := map[string]map[string]any{}
	for _, rt := range s.router.routes {
		path := rt.Path
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(rt.Method)] = g.operation(rt, errRef)
	}
	return map[string]any{
		"openapi": OpenAPIVersion,
		"info": map[string]any{
			"title":       "Gallra API",
			"version":     s.version,
			"description": "Gallra's JSON API: staff endpoints (bearer token) and public end-customer endpoints. Errors are {\"error\": {\"code\", \"message\", \"details\"}}.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.defs,
			"securitySchemes": map[string]any{
				"bearer":   map[string]any{"type": "http", "scheme": "bearer", "description": "An API token: Authorization: Bearer <secret>"},
				"operator": map[string]any{"type": "http", "scheme": "bearer", "description": "The platform operator's token (GALLRA_OPERATOR_TOKEN), for /api/v1/operator only; an organisation's API token is refused there, and the operator token everywhere else"},
			},
		},
	}
}

func (g *schemaGen) operation(rt Route, errRef map[string]any) map[string]any {
	op := map[string]any{
		"operationId": operationID(rt),
		"summary":     rt.Summary,
		"tags":        rt.Tags,
	}
	if rt.Description != "" {
		op["description"] = rt.Description
	}
	var params []any
	declared := map[string]Param{}
	for _, p := range rt.PathParams {
		declared[p.Name] = p
	}
	for _, name := range pathParams(rt.Path) {
		p, ok := declared[name]
		if !ok {
			p = Param{Name: name, Type: "integer", Description: name + ": a positive integer id"}
		}
		p.Required = true
		params = append(params, paramDoc(p, "path"))
	}
	for _, p := range rt.Query {
		params = append(params, paramDoc(p, "query"))
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.Request != nil {
		op["requestBody"] = map[string]any{
			"required": true,
			"content":  map[string]any{"application/json": map[string]any{"schema": g.ref(reflect.TypeOf(rt.Request), true)}},
		}
	}
	if rt.Auth == AuthOperator {
		op["security"] = []any{map[string]any{"operator": []any{}}}
	} else if rt.Auth != AuthPublic {
		op["security"] = []any{map[string]any{"bearer": []any{}}}
		if perm := rt.orgPermission(); perm != "" {
			// The organisation permission the route needs (docs/roles.md).
			op["x-permission"] = string(perm)
		}
	} else {
		op["security"] = []any{}
	}
	responses := map[string]any{strconv.Itoa(rt.Status): g.success(rt)}
	for status, codes := range errorStatuses(rt) {
		responses[strconv.Itoa(status)] = map[string]any{
			"description": fmt.Sprintf("%s (error code %s)", http.StatusText(status), strings.Join(codes, ", ")),
			"content":     map[string]any{"application/json": map[string]any{"schema": errRef}},
		}
	}
	op["responses"] = responses
	return op
}

// success documents the route's success response: its JSON type (with any
// JSON alternatives as anyOf) and the media types of its raw bodies.
func (g *schemaGen) success(rt Route) map[string]any {
	content := map[string]any{}
	var schemas []any
	for _, body := range append([]any{rt.Response}, rt.Alternatives...) {
		switch b := body.(type) {
		case nil:
		case RawBody:
			ct, media := b.ContentType, map[string]any{}
			if ct == "" {
				ct = "*/*"
			}
			if strings.HasPrefix(ct, "text/") {
				media["schema"] = map[string]any{"type": "string"}
			} // else any bytes: OpenAPI 3.1 describes raw binary content without a schema
			content[ct] = media
		default:
			schemas = append(schemas, g.ref(reflect.TypeOf(body), false))
		}
	}
	switch len(schemas) {
	case 0:
	case 1:
		content["application/json"] = map[string]any{"schema": schemas[0]}
	default:
		content["application/json"] = map[string]any{"schema": map[string]any{"anyOf": schemas}}
	}
	resp := map[string]any{"description": http.StatusText(rt.Status)}
	if len(content) > 0 {
		resp["content"] = content
	}
	return resp
}

// errorStatuses groups the error codes a route can answer (those its
// declaration implies and its own Route.Errors) by HTTP status.
func errorStatuses(rt Route) map[int][]string {
	out := map[int][]string{}
	for _, code := range append(rt.impliedErrors(), rt.Errors...) {
		st := httpstatus.Code(code)
		if !slices.Contains(out[st], code) {
			out[st] = append(out[st], code)
		}
	}
	return out
}

func paramDoc(p Param, in string) map[string]any {
	typ := p.Type
	if typ == "" {
		typ = "string"
	}
	schema := map[string]any{"type": typ}
	if typ == "integer" {
		schema["format"] = "int64"
		schema["minimum"] = 1
	}
	if len(p.Enum) > 0 {
		schema["enum"] = p.Enum
	}
	d := map[string]any{"name": p.Name, "in": in, "required": p.Required, "schema": schema}
	if p.Description != "" {
		d["description"] = p.Description
	}
	return d
}

// operationID derives a stable id such as getApiV1ChannelsId.
func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, part := range strings.FieldsFunc(rt.Path, func(r rune) bool { return r == '/' || r == '{' || r == '}' || r == '-' || r == '.' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

type schemaKey struct {
	t       reflect.Type
	request bool
}

// schemaGen reflects Go types into JSON Schema, collecting named structs in
// components/schemas.
type schemaGen struct {
	defs  map[string]any
	names map[schemaKey]string
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
)

// marshals reports whether t (or *t) encodes itself: encoding/json then
// ignores its fields, and so must the document.
func marshals(t reflect.Type) bool {
	for _, it := range []reflect.Type{jsonMarshalerType, textMarshalerType} {
		if t.Implements(it) || reflect.PointerTo(t).Implements(it) {
			return true
		}
	}
	return false
}

// marshalerSchema documents a type that encodes itself. A TextMarshaler
// (and not a json.Marshaler) is always a JSON string. A json.Marshaler is
// documented by the JSON kind its zero value encodes to (gallra.Period's
// "never" makes it a string); a zero value that encodes to null or fails
// says nothing, so the document then allows any value.
func marshalerSchema(t reflect.Type) map[string]any {
	v := reflect.New(t)
	m, ok := v.Interface().(json.Marshaler) // *t has the methods of t too
	if !ok {
		return map[string]any{"type": "string"} // a TextMarshaler only
	}
	if v.Elem().Type().Implements(jsonMarshalerType) {
		m = v.Elem().Interface().(json.Marshaler)
	}
	raw, err := m.MarshalJSON()
	if err != nil || len(raw) == 0 {
		return map[string]any{}
	}
	switch raw[0] {
	case '"':
		return map[string]any{"type": "string"}
	case 't', 'f':
		return map[string]any{"type": "boolean"}
	case '{':
		return map[string]any{"type": "object"}
	case '[':
		return map[string]any{"type": "array"}
	case 'n':
		return map[string]any{}
	}
	return map[string]any{"type": "number"}
}

// ref returns the schema of t: a $ref for named structs, inline otherwise.
func (g *schemaGen) ref(t reflect.Type, request bool) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct && !marshals(t) {
		k := schemaKey{t, request}
		name, ok := g.names[k]
		if !ok {
			name = schemaName(t)
			if request {
				name += "Input"
				if strings.HasSuffix(schemaName(t), "Input") {
					name = schemaName(t)
				}
			}
			for base, i := name, 2; g.defs[name] != nil; i++ {
				name = base + strconv.Itoa(i)
			}
			g.names[k] = name
			g.defs[name] = map[string]any{} // placeholder against recursion
			g.defs[name] = g.structSchema(t, request)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return g.schema(t, request, "")
}

// schemaName turns a Go type name into a component name; List[pkg.Channel]
// becomes ChannelList.
func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		inner := strings.TrimSuffix(n[i+1:], "]")
		if j := strings.LastIndexByte(inner, '.'); j >= 0 {
			inner = inner[j+1:]
		}
		return inner + n[:i]
	}
	if n == "" {
		return "Anonymous"
	}
	if t.PkgPath() != "" && !strings.HasSuffix(t.PkgPath(), "/httpapi") && !strings.HasSuffix(t.PkgPath(), "/gallra") {
		// Types of other packages get their package as a prefix (audit.Result → AuditResult).
		p := t.PkgPath()[strings.LastIndexByte(t.PkgPath(), '/')+1:]
		return strings.ToUpper(p[:1]) + p[1:] + n
	}
	return n
}

func (g *schemaGen) schema(t reflect.Type, request bool, enumTag string) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case marshals(t):
		s = marshalerSchema(t)
	case t.Kind() == reflect.Struct:
		s = g.ref(t, request)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		s = map[string]any{"type": "string", "contentEncoding": "base64"}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		s = map[string]any{"type": "array", "items": g.schema(t.Elem(), request, "")}
		nullable = nullable || !request // a nil slice encodes as null
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object"}
		if t.Elem().Kind() != reflect.Interface {
			s["additionalProperties"] = g.schema(t.Elem(), request, "")
		}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
		if e, ok := enumOf[t]; ok {
			s["enum"] = e
		}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
		if t.Kind() == reflect.Int64 || t.Kind() == reflect.Uint64 {
			s["format"] = "int64"
		}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	default: // interface{}: any JSON value
		return map[string]any{}
	}
	if enumTag != "" {
		s["enum"] = strings.Split(enumTag, ",")
	}
	if nullable {
		if typ, ok := s["type"].(string); ok {
			s["type"] = []string{typ, "null"}
			if e, ok := s["enum"].([]string); ok {
				s["enum"] = append(toAny(e), nil) // null is a value of a nullable enum
			}
		} else {
			s = map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
		}
	}
	return s
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (g *schemaGen) structSchema(t reflect.Type, request bool) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, request, props, &required)
	sort.Strings(required)
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	if request {
		s["additionalProperties"] = false
	}
	return s
}

// fields adds t's JSON fields (flattening embedded structs) to props.
func (g *schemaGen) fields(t reflect.Type, request bool, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, request, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type, request, f.Tag.Get("enum"))
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
}
