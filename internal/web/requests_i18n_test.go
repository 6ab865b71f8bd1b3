package web

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/gallra/gallra/internal/takeout"
)

// TestReasonCodesHaveTexts fails for a reason code of the request service
// that the UI cannot say in Swedish and English, and for a reason code used
// in the service's source that takeout.ReasonCodes does not list.
func TestReasonCodesHaveTexts(t *testing.T) {
	msgs := allMessages()
	listed := map[string]bool{}
	for _, code := range takeout.ReasonCodes() {
		listed[code] = true
		v, ok := msgs["rqerr."+code]
		if !ok || v[0] == "" || v[1] == "" {
			t.Errorf("reason code %q has no Swedish and English text (rqerr.%s)", code, code)
		}
	}
	files, _ := filepath.Glob("../takeout/*.go")
	re := regexp.MustCompile(`"reason_code":\s*"([a-z_]+)"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !listed[m[1]] {
				t.Errorf("%s uses reason code %q that takeout.ReasonCodes does not list", f, m[1])
			}
		}
	}
	for _, n := range takeout.InfoFieldNames() {
		if _, ok := msgs["rqs.f."+n]; !ok {
			t.Errorf("settings field %s has no label", n)
		}
	}
	for _, k := range []string{takeout.LetterExtension, takeout.LetterRefusal} {
		if _, ok := msgs["rq.letter."+k]; !ok {
			t.Errorf("letter %s has no title", k)
		}
	}
}
