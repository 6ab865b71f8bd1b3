// Package archtest checks the layering rules of docs/architecture.md on the
// source tree itself, so that they cannot drift: transports import no store,
// no package but the store holds SQL, and no package but main holds mutable
// package-level state.
package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/gallra/gallra"

// file is one parsed non-test Go file of the module.
type file struct {
	path string // relative to the module root, slash-separated
	pkg  string // directory, slash-separated ("." for the root)
	ast  *ast.File
}

func parseTree(t *testing.T) []file {
	t.Helper()
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var out []file
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		out = append(out, file{path: rel, pkg: filepath.ToSlash(filepath.Dir(rel)), ast: f})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("found only %d Go files: is the test run from its own directory?", len(out))
	}
	return out
}

// check reports the violations not listed in allowed, and the allowed ones
// that no longer occur (so the list only shrinks).
func check(t *testing.T, what string, found []string, allowed []string) {
	t.Helper()
	sort.Strings(found)
	left := map[string]bool{}
	for _, a := range allowed {
		left[a] = true
	}
	for _, v := range found {
		if left[v] {
			delete(left, v)
			continue
		}
		t.Errorf("%s: %s", what, v)
	}
	for v := range left {
		t.Errorf("%s: %s is listed as a known exception but no longer occurs: remove it from the list", what, v)
	}
}

// TestTransportsImportNoStore: the API, the web UI and the CLI's commands
// call the services; only the wiring opens the store.
func TestTransportsImportNoStore(t *testing.T) {
	var found []string
	for _, f := range parseTree(t) {
		transport := f.pkg == "internal/httpapi" || f.pkg == "internal/web" || f.pkg == "cmd/gallra"
		if !transport {
			continue
		}
		for _, imp := range f.ast.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == module+"/internal/store" {
				found = append(found, f.path)
			}
		}
	}
	check(t, "imports internal/store", found, storeImportsAllowed)
}

// storeImportsAllowed are the files that may import the store: the
// binary's wiring (opening and migrating the database, building the
// services) and the benchmarks, which measure the store itself.
var storeImportsAllowed = []string{
	"cmd/gallra/bench_append.go",
	"cmd/gallra/bench_ingest.go",
	"cmd/gallra/bench_mail.go",
	"cmd/gallra/bench_overview.go",
	"cmd/gallra/bench_purge.go",
	"cmd/gallra/bench_signin.go",
	"cmd/gallra/bench_takeout.go",
	"cmd/gallra/main.go",
	"cmd/gallra/serve.go",
	"cmd/gallra/services.go",
	"cmd/gallra/bench_chat.go",
}

var sqlRE = regexp.MustCompile(`(?is)\b(SELECT\s.+\sFROM\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|CREATE\s+(TABLE|SCHEMA|INDEX)\s|DROP\s+(TABLE|SCHEMA)\s)`)

// TestSQLOnlyInStore: every SQL statement lives in internal/store.
func TestSQLOnlyInStore(t *testing.T) {
	var found []string
	for _, f := range parseTree(t) {
		if f.pkg == "internal/store" || strings.HasPrefix(f.pkg, "internal/store/") {
			continue
		}
		seen := false
		ast.Inspect(f.ast, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && !seen {
				if s, err := strconv.Unquote(lit.Value); err == nil && sqlRE.MatchString(s) {
					found, seen = append(found, f.path), true
				}
			}
			return !seen
		})
	}
	check(t, "SQL outside internal/store", found, nil)
}

// TestRawSQLOnlyInTests: the store's test door to direct SQL
// (Tx.RawForTests) is called from test files only.
func TestRawSQLOnlyInTests(t *testing.T) {
	var found []string
	for _, f := range parseTree(t) {
		ast.Inspect(f.ast, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "RawForTests" {
				found = append(found, f.path)
			}
			return true
		})
	}
	check(t, "Tx.RawForTests outside tests", found, nil)
}

// TestNoMutablePackageState: outside package main, no package-level
// variable is state. A variable qualifies when it is never written after its
// initialisation anywhere in the module, tests included (read-only tables,
// sentinel errors, compiled expressions), and is not exported unless it
// cannot be changed at all (an exported table could be changed by any
// importer). Test hooks, settings and caches are fields of a value that is
// passed in.
func TestNoMutablePackageState(t *testing.T) {
	all := append(parseTree(t), parseTests(t)...)
	written := writtenVars(all)
	var found []string
	for _, f := range parseTree(t) {
		if f.ast.Name.Name == "main" {
			continue
		}
		for _, d := range f.ast.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if name.Name == "_" || immutableVar(g, vs, i) {
						continue
					}
					switch {
					case written[f.pkg+"."+name.Name]:
						found = append(found, f.path+": "+name.Name+" is written after initialisation")
					case name.IsExported():
						found = append(found, f.path+": "+name.Name+" is exported and can be changed by any importer")
					}
				}
			}
		}
	}
	check(t, "package-level state", found, nil)
}

// parseTests parses the module's test files.
func parseTests(t *testing.T) []file {
	t.Helper()
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var out []file
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (strings.HasPrefix(n, ".") || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Errorf("parse %s: %v", p, err)
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		out = append(out, file{path: rel, pkg: filepath.ToSlash(filepath.Dir(rel)), ast: f})
		return nil
	})
	return out
}

// writtenVars returns "pkgdir.Name" for every package-level variable that
// some statement of the module assigns, increments, or takes the address
// of (outside its own declaration).
func writtenVars(files []file) map[string]bool {
	out := map[string]bool{}
	for _, f := range files {
		imports := map[string]string{} // local name → package dir
		for _, imp := range f.ast.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			dir := strings.TrimPrefix(strings.TrimPrefix(p, module), "/")
			if dir == "" {
				dir = "."
			}
			name := filepath.Base(p)
			if p == module {
				name = "gallra"
			}
			if imp.Name != nil {
				name = imp.Name.Name
			}
			imports[name] = dir
		}
		mark := func(e ast.Expr) {
			for {
				switch x := e.(type) {
				case *ast.IndexExpr:
					e = x.X
					continue
				case *ast.StarExpr:
					e = x.X
					continue
				case *ast.ParenExpr:
					e = x.X
					continue
				case *ast.SelectorExpr:
					if id, ok := x.X.(*ast.Ident); ok && id.Obj == nil {
						if dir, ok := imports[id.Name]; ok {
							out[dir+"."+x.Sel.Name] = true
							return
						}
					}
					e = x.X
					continue
				case *ast.Ident:
					if x.Obj == nil || isTopLevel(f.ast, x.Obj) {
						out[f.pkg+"."+x.Name] = true
					}
				}
				return
			}
		}
		ast.Inspect(f.ast, func(n ast.Node) bool {
			switch s := n.(type) {
			case *ast.AssignStmt:
				for _, l := range s.Lhs {
					mark(l)
				}
			case *ast.IncDecStmt:
				mark(s.X)
			case *ast.UnaryExpr:
				if s.Op == token.AND {
					mark(s.X)
				}
			}
			return true
		})
	}
	return out
}

// isTopLevel reports whether obj is declared at the file's top level.
func isTopLevel(f *ast.File, obj *ast.Object) bool {
	vs, ok := obj.Decl.(*ast.ValueSpec)
	if !ok {
		return false
	}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok {
			for _, s := range g.Specs {
				if s == vs {
					return true
				}
			}
		}
	}
	return false
}

func immutableVar(g *ast.GenDecl, vs *ast.ValueSpec, i int) bool {
	if vs.Type != nil {
		if sel, ok := vs.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "FS" {
			return hasEmbed(g)
		}
	}
	if i >= len(vs.Values) {
		return false
	}
	call, ok := vs.Values[i].(*ast.CallExpr)
	if !ok {
		return false
	}
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		x, _ := fn.X.(*ast.Ident)
		if x == nil {
			return false
		}
		switch x.Name + "." + fn.Sel.Name {
		case "errors.New", "gallra.Errorf", "fmt.Errorf", "regexp.MustCompile", "template.Must":
			return true
		}
	case *ast.Ident:
		return fn.Name == "Errorf" // package gallra's own constructor
	}
	return false
}

func hasEmbed(g *ast.GenDecl) bool {
	if g.Doc == nil {
		return false
	}
	for _, l := range g.Doc.List {
		if strings.HasPrefix(l.Text, "//go:embed") {
			return true
		}
	}
	return false
}
