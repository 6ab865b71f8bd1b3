package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra/internal/storetest"
)

// TestStaffPasswordAndLink sets a password from stdin and prints a sign-in
// link, on both databases.
func TestStaffPasswordAndLink(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			db, err := openDB(ctx, &Env{Getenv: func(string) string { return "" }}, url, true)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			f := storetest.MustFixture(t, db, "Kommunen")
			org := strconv.FormatInt(f.Org.ID, 10)

			env, out, errb := testEnv(map[string]string{"GALLRA_DATABASE_URL": url})
			env.Stdin = strings.NewReader("a long new password\n")
			if code := run(ctx, env, []string{"staff", "password", "--org", org, "--email", "EDITOR@kommunen.example"}); code != 0 {
				t.Fatalf("staff password: exit %d: %s", code, errb)
			}
			if !strings.Contains(out.String(), "Password set") || strings.Contains(out.String(), "a long new password") {
				t.Errorf("output: %q", out)
			}
			if _, err := db.CheckPassword(ctx, f.Editor.Email, "a long new password"); err != nil {
				t.Errorf("password not set: %v", err)
			}

			env, _, errb = testEnv(map[string]string{"GALLRA_DATABASE_URL": url})
			env.Stdin = strings.NewReader("short\n")
			if code := run(ctx, env, []string{"staff", "password", "--org", org, "--email", f.Editor.Email}); code != 1 || !strings.Contains(errb.String(), "at least 10") {
				t.Errorf("short password: exit %d: %s", code, errb)
			}

			env, out, errb = testEnv(map[string]string{"GALLRA_DATABASE_URL": url, "GALLRA_BASE_URL": "https://gallra.example.se/"})
			if code := run(ctx, env, []string{"staff", "link", "--org", org, "--email", f.Admin.Email}); code != 0 {
				t.Fatalf("staff link: exit %d: %s", code, errb)
			}
			i := strings.Index(out.String(), "https://gallra.example.se/login/link/")
			if i < 0 {
				t.Fatalf("no link in %q", out)
			}
			secret := strings.Fields(out.String()[i+len("https://gallra.example.se/login/link/"):])[0]
			if _, s, err := db.LookupLoginLink(ctx, secret); err != nil || s.ID != f.Admin.ID {
				t.Errorf("printed link does not work: %v", err)
			}

			env, _, _ = testEnv(map[string]string{"GALLRA_DATABASE_URL": url})
			if code := run(ctx, env, []string{"staff", "password", "--org", org, "--email", "nobody@kommunen.example"}); code != 1 {
				t.Errorf("unknown e-mail: exit %d", code)
			}
			if code := run(ctx, env, []string{"staff"}); code != 2 {
				t.Errorf("no subcommand: exit %d", code)
			}
		})
	}
}

// TestFirstStartPrintsSetupLink checks that serve's first start prints a
// one-time link with which the admin chooses a password.
func TestFirstStartPrintsSetupLink(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t, "sqlite")
	db, err := openDB(ctx, &Env{Getenv: func(string) string { return "" }}, url, true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	env, out, _ := testEnv(nil)
	if err := firstStart(ctx, env, db, &serveConfig{addr: "127.0.0.1:8080"}); err != nil {
		t.Fatal(err)
	}
	const prefix = "http://127.0.0.1:8080/login/link/"
	i := strings.Index(out.String(), prefix)
	if i < 0 {
		t.Fatalf("no setup link in %q", out)
	}
	secret := strings.Fields(out.String()[i+len(prefix):])[0]
	s, sess, err := db.UseLoginLink(ctx, secret, "the admin's new password")
	if err != nil || sess == "" || s.Role != "admin" {
		t.Fatalf("setup link: %v", err)
	}
	if _, _, err := db.UseLoginLink(ctx, secret, "another password!"); err == nil {
		t.Error("setup link works twice")
	}
}
