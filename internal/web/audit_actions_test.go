package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// dynamicAuditActions lists the actions built as prefix+value, with every
// value the code passes (the services validate the values to these).
var dynamicAuditActions = map[string][]string{
	"request.":      {"cancelled", "refused"}, // takeout close(): StatusCancelled, StatusRefused
	"site.post_":    {"visible", "hidden"},    // SetPostStatus: StatusVisible, StatusHidden
	"site.request_": {"registered", "rejected"},
}

// emittedAuditActions reads the module's Go source (tests excluded) and
// returns every action passed to an Audit(ctx, org, actor, action, ...)
// call: literals, prefix+value (from dynamicAuditActions), variables
// assigned literals in the function, and parameters resolved through the
// function's callers. Anything it cannot resolve is an error, so a new kind
// of call site makes the test fail rather than pass unseen.
func emittedAuditActions(t *testing.T) map[string]string {
	t.Helper()
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var files []*ast.File
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
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	add := func(action string, pos token.Pos) { out[action] = fset.Position(pos).String() }
	for _, f := range files {
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 7 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Audit" {
					return true
				}
				arg := call.Args[3]
				if err := resolveAction(files, fn, arg, add); err != nil {
					t.Errorf("%s: %v", fset.Position(arg.Pos()), err)
				}
				return true
			})
		}
	}
	return out
}

// resolveAction adds the actions an expression in fn can take.
func resolveAction(files []*ast.File, fn *ast.FuncDecl, e ast.Expr, add func(string, token.Pos)) error {
	switch x := e.(type) {
	case *ast.BasicLit:
		s, err := strconv.Unquote(x.Value)
		if err != nil {
			return err
		}
		add(s, x.Pos())
		return nil
	case *ast.BinaryExpr:
		lit, ok := x.X.(*ast.BasicLit)
		if !ok || x.Op != token.ADD {
			return errUnresolved
		}
		prefix, _ := strconv.Unquote(lit.Value)
		vals, ok := dynamicAuditActions[prefix]
		if !ok {
			return errUnresolvedPrefix(prefix)
		}
		for _, v := range vals {
			add(prefix+v, x.Pos())
		}
		return nil
	case *ast.Ident:
		found := false
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok {
				return true
			}
			for i, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == x.Name && i < len(as.Rhs) {
					if lit, ok := as.Rhs[i].(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(lit.Value)
						add(s, lit.Pos())
						found = true
					}
				}
			}
			return true
		})
		if found {
			return nil
		}
		// A parameter: resolve through every call of the function.
		idx := -1
		i := 0
		for _, fld := range fn.Type.Params.List {
			for _, nm := range fld.Names {
				if nm.Name == x.Name {
					idx = i
				}
				i++
			}
		}
		if idx < 0 {
			return errUnresolved
		}
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) <= idx {
					return true
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == fn.Name.Name {
					if lit, ok := call.Args[idx].(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(lit.Value)
						add(s, lit.Pos())
						found = true
					}
				}
				return true
			})
		}
		if !found {
			return errUnresolved
		}
		return nil
	}
	return errUnresolved
}

type auditResolveError string

func (e auditResolveError) Error() string { return string(e) }

const errUnresolved = auditResolveError("audit action is neither a literal, a known prefix+value, a variable assigned literals, nor a parameter given literals: give it text in auditMessages and teach this test")

func errUnresolvedPrefix(p string) error {
	return auditResolveError("audit action prefix " + strconv.Quote(p) + " is not in dynamicAuditActions: list its values there and give each text in auditMessages")
}

// TestEveryAuditActionHasText fails when the code emits an audit action that
// the audit page cannot name in Swedish and English.
func TestEveryAuditActionHasText(t *testing.T) {
	emitted := emittedAuditActions(t)
	if len(emitted) < 50 {
		t.Fatalf("found only %d audit actions in the source; the scan is broken", len(emitted))
	}
	var names []string
	for a := range emitted {
		names = append(names, a)
	}
	sort.Strings(names)
	for _, a := range names {
		txt, ok := auditMessages["audit.a."+a]
		if !ok || txt[0] == "" || txt[1] == "" {
			t.Errorf("audit action %q (emitted at %s) has no Swedish and English text: add \"audit.a.%s\" to auditMessages", a, emitted[a], a)
		}
	}
	for k := range auditMessages {
		if a, ok := strings.CutPrefix(k, "audit.a."); ok {
			if _, used := emitted[a]; !used {
				t.Errorf("auditMessages has text for %q, which no code emits: remove it", a)
			}
		}
	}
}
