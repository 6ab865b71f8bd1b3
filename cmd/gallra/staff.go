package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/web"
)

// SetupLinkTTL is how long the sign-in link printed on first start works.
const SetupLinkTTL = 24 * time.Hour

func staffCommand() command {
	return command{name: "staff", summary: "staff sign-in: set a password (from stdin) or print a one-time sign-in link", run: runStaff}
}

func runStaff(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || (args[0] != "password" && args[0] != "link") {
		return usageErr("give a subcommand: `gallra staff password --org ID --email E` (reads the new password from stdin) or `gallra staff link --org ID --email E`")
	}
	sub := args[0]
	fs := newFlags(env, "staff "+sub, "--org ID --email E")
	url := dbFlag(env, fs)
	orgID := fs.Int64("org", 0, "organisation id")
	email := fs.String("email", "", "the staff user's e-mail address")
	base := fs.String("base-url", envDefault(env, "GALLRA_BASE_URL", "http://"+envDefault(env, "GALLRA_ADDR", "127.0.0.1:8080")), "address of the UI, for the printed link (env GALLRA_BASE_URL)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *orgID <= 0 || strings.TrimSpace(*email) == "" {
		return usageErr("--org and --email are required")
	}
	db, err := openDB(ctx, env, *url, false)
	if err != nil {
		return err
	}
	defer db.Close()
	staff := service.New(service.Deps{DB: db, Clock: env.Clock}).Staff
	s, err := staff.FindStaffAsOperator(ctx, *orgID, *email)
	if err != nil {
		return err
	}
	if sub == "link" {
		secret, err := staff.CreateLoginLinkAsOperator(ctx, *orgID, s.ID, gallra.LinkReset, SetupLinkTTL)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "One-time sign-in link for staff user %d (valid %s, works once):\n\n    %s/login/link/%s\n\n", s.ID, SetupLinkTTL, strings.TrimRight(*base, "/"), secret)
		return nil
	}
	pw, err := readPassword(env.Stdin)
	if err != nil {
		return err
	}
	if err := staff.SetPasswordAsOperator(ctx, *orgID, s.ID, pw); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Password set for staff user %d; their other sessions are signed out.\n", s.ID)
	return nil
}

// readPassword reads the first line of r (a pipe or a terminal; the
// password is never a flag, so it stays out of shell history and ps).
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", usageErr("give the new password on standard input")
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usageErr("give the new password on standard input, e.g. `read -s P && echo \"$P\" | gallra staff password …`")
	}
	return line, gallra.ValidatePassword(line)
}

// newWebUI builds the admin UI on the services serve shares with the API and
// the job runner.
func newWebUI(env *Env, log *slog.Logger, trustedProxy, baseURL string, svc *services) (http.Handler, error) {
	return web.New(web.Config{
		Logger: log, Clock: env.Clock, TrustedProxyHeader: trustedProxy, BaseURL: baseURL,
		SecureCookies: envDefault(env, "GALLRA_SECURE_COOKIES", "") == "true",
		Retention:     svc.retention,
		Requests:      svc.takeout,
		Services:      svc.features,
		Site:          svc.site,
	})
}

// printSetupLink creates and prints the first admin's one-time sign-in
// link, with which they choose a password for the web UI.
func printSetupLink(ctx context.Context, env *Env, staff gallra.StaffService, admin *gallra.Staff, addr string) error {
	secret, err := staff.CreateLoginLinkAsOperator(ctx, admin.OrgID, admin.ID, gallra.LinkSetup, SetupLinkTTL)
	if err != nil {
		return fmt.Errorf("create sign-in link: %w", err)
	}
	base := strings.TrimRight(envDefault(env, "GALLRA_BASE_URL", "http://"+addr), "/")
	fmt.Fprintf(env.Stdout, "Admin web UI: open this one-time link within 24 hours to choose the admin's password\n(e-mail %s):\n\n    %s/login/link/%s\n\n", admin.Email, base, secret)
	return nil
}
