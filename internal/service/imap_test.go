package service_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/imapfetch"
	"github.com/gallra/gallra/internal/imapfetch/imaptest"
	"github.com/gallra/gallra/internal/secretbox"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

const imapTestKey = "imap-test-secret-key-0123456789abcdef"

// TestIMAPFetchIntoInbox sets up an inbox's IMAP fetch as an admin, fetches
// from a real IMAP server into the inbox on both databases, and checks who
// may do what, that the password is kept sealed and never shown, and what a
// changed secret key does.
func TestIMAPFetchIntoInbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		fx := storetest.MustFixture(t, db, "Imap")
		box, err := secretbox.New(imapTestKey)
		if err != nil {
			t.Fatal(err)
		}
		srv := imaptest.Start(t, gallra.IMAPStartTLS)
		svc := service.New(service.Deps{DB: db, Clock: clock, Secrets: box, IMAP: imapfetch.Options{TLS: srv.TLS}})
		inbox := fx.Channels[gallra.ModuleMail].ID
		for i := 1; i <= 2; i++ {
			srv.Append(t, "INBOX", fmt.Sprintf("From: Kund %d <kund%d@example.se>\r\nTo: kontakt@example.se\r\nSubject: =?utf-8?q?Fr=C3=A5ga_%d?=\r\nMessage-ID: <imap%d@example.se>\r\n\r\nHej, en fråga.\r\n", i, i, i, i))
		}
		settings := gallra.IMAPSettings{Host: "127.0.0.1", Port: srv.Port, Security: gallra.IMAPStartTLS, Username: "username", Password: "password"}

		// Editors may not set it up; a forum cannot have it.
		if _, err := svc.IMAP.SetIMAPAccount(ctx, fx.Editor, inbox, settings); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor set up IMAP: %v", err)
		}
		if _, err := svc.IMAP.SetIMAPAccount(ctx, fx.Admin, fx.Channels[gallra.ModuleForum].ID, settings); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("IMAP on a forum: %v", err)
		}
		bad := settings
		bad.Security, bad.Host = gallra.IMAPNone, "imap.example.se"
		if _, err := svc.IMAP.SetIMAPAccount(ctx, fx.Admin, inbox, bad); gallra.ErrorCode(err) != gallra.EINVALID || !strings.Contains(err.Error(), "only allowed to localhost") {
			t.Errorf("clear-text password to a remote host: %v", err)
		}
		acct, err := svc.IMAP.SetIMAPAccount(ctx, fx.Admin, inbox, settings)
		if err != nil {
			t.Fatal(err)
		}
		if acct.Folder != "INBOX" || acct.AfterImport != gallra.IMAPDelete || !acct.Enabled {
			t.Errorf("defaults: %+v", acct)
		}
		row, _ := db.GetIMAPAccount(ctx, fx.Org.ID, inbox)
		if bytes.Contains(row.Secret, []byte("password")) || len(row.Secret) < 20 {
			t.Errorf("password stored in clear or not at all: %q", row.Secret)
		}

		run, err := svc.IMAP.FetchIMAPNow(ctx, fx.Editor, inbox)
		if err != nil || run.Imported != 3 || run.Error != "" {
			t.Fatalf("fetch: %+v %v", run, err)
		}
		convs, err := svc.Mail.ListConversations(ctx, fx.Admin, inbox, gallra.Page{})
		if err != nil || len(convs) != 3 {
			t.Fatalf("conversations after the fetch: %d %v", len(convs), err)
		}
		subjects := ""
		for _, c := range convs {
			subjects += c.Subject + "|"
		}
		if !strings.Contains(subjects, "Fråga 2") {
			t.Errorf("subjects %q", subjects)
		}
		if left := srv.UIDs(t, "INBOX"); len(left) != 0 {
			t.Errorf("left on the IMAP server: %v", left)
		}
		acct, _ = svc.IMAP.IMAPAccount(ctx, fx.Admin, inbox)
		if acct.Imported != 3 || acct.LastRunAt == nil || acct.LastError != "" {
			t.Errorf("account after the fetch: %+v", acct)
		}
		// A change without a password keeps the stored one; another
		// folder starts its own checkpoint.
		if err := srv.Client(t).Create("Kundtjanst"); err != nil {
			t.Fatal(err)
		}
		srv.Append(t, "Kundtjanst", "From: kund3@example.se\r\nSubject: Tre\r\nMessage-ID: <imap3@example.se>\r\n\r\nTre.\r\n")
		settings.Password, settings.Folder, settings.AfterImport = "", "Kundtjanst", gallra.IMAPKeep
		if _, err := svc.IMAP.SetIMAPAccount(ctx, fx.Admin, inbox, settings); err != nil {
			t.Fatalf("change without password: %v", err)
		}
		if n, err := svc.IMAP.FetchAllIMAP(ctx); err != nil || n != 1 {
			t.Fatalf("scheduled fetch: %d %v", n, err)
		}
		if convs, _ = svc.Mail.ListConversations(ctx, fx.Admin, inbox, gallra.Page{}); len(convs) != 4 {
			t.Errorf("conversations after the scheduled fetch: %d", len(convs))
		}

		// Another secret key: the fetch says what to do and stores it.
		other, _ := secretbox.New(strings.Repeat("z", 40))
		svc2 := service.New(service.Deps{DB: db, Clock: clock, Secrets: other})
		run, err = svc2.IMAP.FetchIMAPNow(ctx, fx.Admin, inbox)
		if err != nil || !strings.Contains(run.Error, "GALLRA_SECRET_KEY") {
			t.Errorf("fetch with another key: %+v %v", run, err)
		}
		// No key at all: setting up is refused with what to do.
		svc3 := service.New(service.Deps{DB: db, Clock: clock})
		if _, err := svc3.IMAP.SetIMAPAccount(ctx, fx.Admin, inbox, settings); gallra.ErrorCode(err) != gallra.EUNPROCESS || !strings.Contains(err.Error(), "GALLRA_SECRET_KEY") {
			t.Errorf("set up without a key: %v", err)
		}
		// The audit says what happened, without host, user or password.
		entries, err := db.ListAudit(ctx, fx.Org.ID, gallra.AuditFilter{Action: "imap."})
		if err != nil || len(entries) != 2 {
			t.Fatalf("audit: %d %v", len(entries), err)
		}
		for _, e := range entries {
			if s := fmt.Sprint(e.Details); strings.Contains(s, "127.0.0.1") || strings.Contains(s, "username") || strings.Contains(s, "password") {
				t.Errorf("audit entry shows the account: %s", s)
			}
		}
		if err := svc.IMAP.DeleteIMAPAccount(ctx, fx.Admin, inbox); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.IMAP.IMAPAccount(ctx, fx.Admin, inbox); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("account after removal: %v", err)
		}
	})
}
