package httpapi

import (
	"strings"
	"testing"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// Offsets are bytes: "å" in "Ring mig på" takes two, so the phone starts at 13.
// Test identity numbers use birth numbers 980–999 (reserved for tests).
const testPnr = "850709-9805"

func TestPIIEndpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		text := "Ring mig på 070-123 45 67, mitt personnummer är " + testPnr + "."
		e.run([]scenario{
			{name: "scan finds phone and personnummer", method: "POST", path: "/api/v1/pii/scan", who: "editor",
				body: map[string]any{"text": text}, status: 200,
				want: []string{`"kind":"phone"`, `"start":13`, `"end":26`, `"text":"070-123 45 67"`, `"kind":"personnummer"`}},
			{name: "scan restricted to kinds", method: "POST", path: "/api/v1/pii/scan", who: "editor",
				body: map[string]any{"text": text, "kinds": []string{"phone"}}, status: 200, want: []string{`"phone"`}, notWant: []string{"personnummer"}},
			{name: "scan of clean text", method: "POST", path: "/api/v1/pii/scan", who: "editor",
				body: map[string]any{"text": "Öppet 8–17, ärende 2024-00123, 1 250 kr."}, status: 200, want: []string{`"findings":[]`}},
			{name: "scan bad kind", method: "POST", path: "/api/v1/pii/scan", who: "editor",
				body: map[string]any{"text": "x", "kinds": []string{"shoe_size"}}, status: 400, want: []string{"kinds[0] must be one of"}},
			{name: "scan needs a token", method: "POST", path: "/api/v1/pii/scan", who: "none", body: map[string]any{"text": "x"}, status: 401},
			{name: "scan unknown field", method: "POST", path: "/api/v1/pii/scan", who: "editor", body: `{"text":"x","txet":"y"}`, status: 400, want: []string{"txet"}},
			{name: "redact replace", method: "POST", path: "/api/v1/pii/redact", who: "editor", body: map[string]any{"text": text}, status: 200,
				want: []string{"Ring mig på [phone], mitt personnummer är [personnummer]."}},
			{name: "redact mask keeps last digits", method: "POST", path: "/api/v1/pii/redact", who: "editor",
				body: map[string]any{"text": text, "operator": "mask", "keep": 2}, status: 200, want: []string{"67,"}, notWant: []string{"070-123", "850709"}},
			{name: "redact remove", method: "POST", path: "/api/v1/pii/redact", who: "editor",
				body: map[string]any{"text": "pnr " + testPnr, "operator": "remove"}, status: 200, notWant: []string{"9805"}},
			{name: "redact bad operator", method: "POST", path: "/api/v1/pii/redact", who: "editor",
				body: map[string]any{"text": "x", "operator": "shred"}, status: 400, want: []string{"operator must be"}},
			{name: "patterns are admin-only to set", method: "PUT", path: "/api/v1/pii/patterns", who: "editor",
				body: map[string]any{"patterns": []map[string]string{{"name": "kundnummer", "pattern": `KN-\d{6}`}}}, status: 403},
			{name: "bad pattern is refused naming it", method: "PUT", path: "/api/v1/pii/patterns", who: "admin",
				body: map[string]any{"patterns": []map[string]string{{"name": "trasig", "pattern": `KN-(\d{6}`}}}, status: 400, want: []string{"trasig"}},
			{name: "set patterns", method: "PUT", path: "/api/v1/pii/patterns", who: "admin",
				body: map[string]any{"patterns": []map[string]string{{"name": "kundnummer", "pattern": `KN-\d{6}`}}}, status: 200, want: []string{"kundnummer"}},
			{name: "org pattern is used by scan", method: "POST", path: "/api/v1/pii/scan", who: "editor",
				body: map[string]any{"text": "Mitt kundnummer är KN-204518."}, status: 200, want: []string{`"kind":"custom"`, `"name":"kundnummer"`}},
			{name: "another organisation's pattern is not", method: "POST", path: "/api/v1/pii/scan", who: "other",
				body: map[string]any{"text": "Mitt kundnummer är KN-204518."}, status: 200, want: []string{`"findings":[]`}},
			{name: "patterns listed", method: "GET", path: "/api/v1/pii/patterns", who: "editor", status: 200, want: []string{`KN-\\d{6}`}},
			{name: "org pattern is used by redact", method: "POST", path: "/api/v1/pii/redact", who: "editor",
				body: map[string]any{"text": "Kund KN-204518, ring 070-123 45 67."}, status: 200, want: []string{`"text":"Kund [kundnummer], ring [phone]."`}},
			{name: "redact restricted to kinds leaves the org pattern", method: "POST", path: "/api/v1/pii/redact", who: "editor",
				body: map[string]any{"text": "Kund KN-204518, ring 070-123 45 67.", "kinds": []string{"phone"}}, status: 200, want: []string{`"text":"Kund KN-204518, ring [phone]."`}},
			{name: "another organisation's pattern is not redacted", method: "POST", path: "/api/v1/pii/redact", who: "other",
				body: map[string]any{"text": "Kund KN-204518."}, status: 200, want: []string{`"text":"Kund KN-204518."`}},
			{name: "patterns changed", method: "PUT", path: "/api/v1/pii/patterns", who: "admin",
				body: map[string]any{"patterns": []map[string]string{{"name": "kund", "pattern": `AB-\d{6}`}}}, status: 200, want: []string{"AB-"}},
			{name: "the next redaction uses the new patterns", method: "POST", path: "/api/v1/pii/redact", who: "editor",
				body: map[string]any{"text": "Kund KN-204518 AB-123456."}, status: 200, want: []string{`"text":"Kund KN-204518 [kund]."`}},
			{name: "a null body is refused, not read as no patterns", method: "PUT", path: "/api/v1/pii/patterns", who: "admin",
				body: "null", status: 400, want: []string{"JSON null"}},
			{name: "a null body with spaces is refused too", method: "PUT", path: "/api/v1/pii/patterns", who: "admin",
				body: " \n null ", status: 400, want: []string{"JSON null"}},
			{name: "the patterns survive the null body", method: "GET", path: "/api/v1/pii/patterns", who: "admin", status: 200, want: []string{"AB-"}},
		})
		if strings.Contains(e.logs.String(), "070-123") || strings.Contains(e.logs.String(), testPnr) {
			t.Error("scanned text reached the logs")
		}
	})
}
