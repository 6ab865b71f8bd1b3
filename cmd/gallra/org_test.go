package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/storetest"
)

// TestOrgCommand onboards and offboards a customer from the CLI, on both
// databases: create prints a working sign-in link, list shows the status,
// delete needs the organisation disabled and confirmed by name, and the
// operator audit verifies afterwards.
func TestOrgCommand(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			db, err := openDB(ctx, &Env{Getenv: func(string) string { return "" }}, url, true)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			vars := map[string]string{"GALLRA_DATABASE_URL": url, "GALLRA_BASE_URL": "https://gallra.example.se", "GALLRA_ARTEFACT_DIR": t.TempDir()}
			cli := func(want int, args ...string) string {
				t.Helper()
				env, out, errb := testEnv(vars)
				if code := run(ctx, env, args); code != want {
					t.Fatalf("%v: exit %d, want %d: %s %s", args, code, want, out, errb)
				}
				return out.String() + errb.String()
			}
			out := cli(0, "org", "create", "--name", "Kund Kommun", "--admin-name", "Kund Admin", "--admin-email", "admin@kund.example", "--language", "en")
			i := strings.Index(out, "https://gallra.example.se/login/link/")
			if i < 0 {
				t.Fatalf("no sign-in link in %q", out)
			}
			secret := strings.Fields(out[i+len("https://gallra.example.se/login/link/"):])[0]
			_, admin, err := db.LookupLoginLink(ctx, secret)
			if err != nil || admin.Email != "admin@kund.example" || admin.Role != gallra.RoleAdmin {
				t.Fatalf("printed link: %+v %v", admin, err)
			}
			id := strconv.FormatInt(admin.OrgID, 10)
			cli(1, "org", "create", "--name", "", "--admin-name", "A", "--admin-email", "a@example.se")

			var list []gallra.OrganisationSummary
			if err := json.Unmarshal([]byte(cli(0, "org", "list", "--json")), &list); err != nil || len(list) != 1 || list[0].Status != "active" || list[0].Staff != 1 {
				t.Fatalf("list: %+v %v", list, err)
			}
			if out := cli(0, "org", "list"); !strings.Contains(out, "Kund Kommun") || !strings.Contains(out, "active") {
				t.Errorf("list: %s", out)
			}
			if out := cli(1, "org", "delete", "--org", id, "--confirm", "Kund Kommun"); !strings.Contains(out, "disable it") {
				t.Errorf("delete of an active organisation: %s", out)
			}
			cli(0, "org", "disable", "--org", id)
			if _, _, err := db.LookupLoginLink(ctx, secret); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
				t.Errorf("link of a disabled organisation: %v", err)
			}
			cli(0, "org", "enable", "--org", id)
			cli(0, "org", "disable", "--org", id)
			cli(2, "org", "delete", "--org", id)
			cli(1, "org", "delete", "--org", id, "--confirm", "Kund")
			if out := cli(0, "org", "delete", "--org", id, "--confirm", "Kund Kommun"); !strings.Contains(out, "is deleted") {
				t.Errorf("delete: %s", out)
			}
			if out := cli(0, "org", "list", "--json"); strings.TrimSpace(out) != "[]" {
				t.Errorf("list after deletion: %s", out)
			}
			cli(1, "org", "delete", "--org", id, "--confirm", "Kund Kommun")
			out = cli(0, "org", "audit")
			for _, a := range []string{"organisation.created", "organisation.disabled", "organisation.enabled", "organisation.deletion_started", "organisation.deleted"} {
				if !strings.Contains(out, a) {
					t.Errorf("operator audit lacks %s: %s", a, out)
				}
			}
			if strings.Contains(out, "admin@kund.example") {
				t.Errorf("personal data in the operator audit: %s", out)
			}
			if out := cli(0, "org", "audit", "--verify"); !strings.Contains(out, "OK") {
				t.Errorf("verify: %s", out)
			}
			cli(2, "org")
			cli(2, "org", "frobnicate")
			cli(2, "org", "disable")
		})
	}
}

// TestServeRefusesShortOperatorToken: a guessable operator token would open
// every organisation's lifecycle; serve refuses it before starting.
func TestServeRefusesShortOperatorToken(t *testing.T) {
	env, _, errb := testEnv(map[string]string{"GALLRA_OPERATOR_TOKEN": "too-short", "GALLRA_DATABASE_URL": "sqlite:" + t.TempDir() + "/x.db"})
	if code := run(context.Background(), env, []string{"serve"}); code != 2 || !strings.Contains(errb.String(), "GALLRA_OPERATOR_TOKEN") || strings.Contains(errb.String(), "too-short") {
		t.Errorf("exit %d: %s", code, errb)
	}
}

// TestOrgCreateKind: --kind chooses the privacy register's defaults
// (public authority unless told); an unknown kind is refused.
func TestOrgCreateKind(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			db, err := openDB(ctx, &Env{Getenv: func(string) string { return "" }}, url, true)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			vars := map[string]string{"GALLRA_DATABASE_URL": url, "GALLRA_ARTEFACT_DIR": t.TempDir()}
			cli := func(want int, args ...string) {
				t.Helper()
				env, out, errb := testEnv(vars)
				if code := run(ctx, env, args); code != want {
					t.Fatalf("%v: exit %d, want %d: %s %s", args, code, want, out, errb)
				}
			}
			cli(1, "org", "create", "--name", "Kund AB", "--admin-name", "A", "--admin-email", "a@kundab.example", "--kind", "church")
			cli(0, "org", "create", "--name", "Kund AB", "--admin-name", "A", "--admin-email", "a@kundab.example", "--kind", "company")
			cli(0, "org", "create", "--name", "Kund Kommun", "--admin-name", "A", "--admin-email", "a@kundkommun.example")
			orgs, err := db.OrganisationSummaries(ctx)
			if err != nil || len(orgs) != 2 {
				t.Fatalf("organisations: %v %v", orgs, err)
			}
			for i, want := range []string{gallra.OrgKindCompany, gallra.OrgKindPublic} {
				if reg, err := db.PrivacyRegister(ctx, orgs[i].ID); err != nil || reg == nil || reg.Kind != want {
					t.Errorf("%s: register %+v %v, want kind %s", orgs[i].Name, reg, err, want)
				}
			}
		})
	}
}
