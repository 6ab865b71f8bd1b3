package mailout_test

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/mailout"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/site"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// siteOf sets up the public site "alfa" (no host of its own, so links hang
// under the base URL) in language lang and returns the site service with
// notifications under https://gallra.example.
func siteOf(t *testing.T, db *store.DB, clock *storetest.Clock, f *storetest.Fixture, lang string) *service.Site {
	t.Helper()
	ctx := context.Background()
	if err := db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.RawForTests().Exec(ctx, `UPDATE organisations SET language = ? WHERE id = ?`, lang, f.Org.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	svc := service.NewSite(service.Deps{DB: db, Clock: clock}, nil).WithNotify(service.NotifyConfig{BaseURL: "https://gallra.example/", TopicPath: site.TopicPath})
	if _, err := svc.SaveSettings(ctx, f.Admin, gallra.SiteSettings{Slug: "alfa", IPStorage: gallra.IPNone}); err != nil {
		t.Fatal(err)
	}
	return svc
}

// ask writes a question on the public site as a visitor would.
func ask(t *testing.T, svc *service.Site, f *storetest.Fixture, title, email string, notify bool) *gallra.SiteWritten {
	t.Helper()
	ctx := context.Background()
	s, err := svc.SiteBySlug(ctx, "alfa")
	if err != nil {
		t.Fatal(err)
	}
	w, err := svc.Write(ctx, s, gallra.SiteWrite{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: title, Body: "Hur gör jag?",
		Author: gallra.Author{Name: "Fia", Email: email}, Elapsed: time.Minute, Notify: notify})
	if err != nil || w.Pending {
		t.Fatalf("ask: %+v %v", w, err)
	}
	return w
}

// End to end through the real SMTP path: a staff answer to a question
// whose asker opted in is delivered once to the sink, signed, with the
// one-click unsubscribe headers, in the organisation's language; a
// second answer does not send another; the link in the mail unsubscribes
// through a fresh service instance (a restart) and no later answer is
// mailed.
func TestAnswerNotificationDelivered(t *testing.T) {
	for _, lang := range []string{"sv", "en"} {
		t.Run(lang, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
				ctx := context.Background()
				f := storetest.MustFixture(t, db, "Alfa")
				svc := siteOf(t, db, clock, f, lang)
				q := ask(t, svc, f, "Parkering på torget", "fia@example.org", true)
				clock.Advance(time.Hour)

				w, err := svc.Answer(ctx, f.Admin, q.TopicID, "Du får parkera två timmar.", true)
				if err != nil || !w.Notified {
					t.Fatalf("answer: %+v %v; want a notification queued", w, err)
				}
				clock.Advance(time.Minute)
				w2, err := svc.Answer(ctx, f.Admin, q.TopicID, "Rättelse: tre timmar.", false)
				if err != nil || w2.Notified {
					t.Fatalf("second answer: %+v %v; want no second notification", w2, err)
				}
				rows, err := db.AnswerNotifications(ctx, f.Org.ID, q.TopicID)
				if err != nil || len(rows) != 1 || rows[0].Status != gallra.DeliveryPending || rows[0].AnswerID != w.PostID {
					t.Fatalf("queued = %+v, %v; want one pending row for the first answer", rows, err)
				}

				k, txt := dkimKey(t)
				s := startSink(t, &sink{})
				d := mailout.New(db, mailout.SMTPSender{Relay: relayTo(t, s.addr, "")}, k, nil)
				if st, err := d.Run(ctx); err != nil || st.Sent != 1 {
					t.Fatalf("run = %+v, %v; want 1 sent", st, err)
				}
				if st, err := d.Run(ctx); err != nil || st != (mailout.Stats{}) {
					t.Fatalf("second run = %+v, %v; want nothing", st, err)
				}
				got := s.messages()
				if len(got) != 1 {
					t.Fatalf("sink got %d messages", len(got))
				}
				inbox := f.Channels[gallra.ModuleMail].Address
				if got[0].from != inbox || strings.Join(got[0].rcpts, ",") != "fia@example.org" {
					t.Errorf("envelope %s -> %v", got[0].from, got[0].rcpts)
				}
				pm, err := mail.ReadMessage(strings.NewReader(string(got[0].data)))
				if err != nil {
					t.Fatal(err)
				}
				h := pm.Header
				subject := map[string]string{"sv": "Svar på din fråga: Parkering på torget", "en": "Your question has been answered: Parkering på torget"}[lang]
				dec := new(mime.WordDecoder)
				if g, err := dec.DecodeHeader(h.Get("Subject")); err != nil || g != subject {
					t.Errorf("Subject = %q (%v), want %q", g, err, subject)
				}
				base := "https://gallra.example/p/alfa"
				lu := h.Get("List-Unsubscribe")
				if !strings.HasPrefix(lu, "<"+base+"/unsubscribe?t=") || !strings.HasSuffix(lu, ">") {
					t.Fatalf("List-Unsubscribe = %q", lu)
				}
				unsub := strings.Trim(lu, "<>")
				for name, want := range map[string]string{
					"To":                    "<fia@example.org>",
					"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
					"Auto-Submitted":        "auto-generated",
					"X-Gallra-Loop":         inbox,
					"Message-Id":            "<" + rows[0].MessageID + ">",
				} {
					if g := h.Get(name); g != want {
						t.Errorf("%s = %q, want %q", name, g, want)
					}
				}
				body, err := io.ReadAll(quotedprintable.NewReader(pm.Body))
				if err != nil {
					t.Fatal(err)
				}
				wantBody := []string{base + "/t/" + strconv.FormatInt(q.TopicID, 10) + "-parkering-pa-torget", unsub, base + "/privacy",
					map[string]string{"sv": "Alfa har svarat på din fråga", "en": "Alfa has answered your question"}[lang]}
				for _, w := range wantBody {
					if !strings.Contains(string(body), w) {
						t.Errorf("body lacks %q:\n%s", w, body)
					}
				}
				if strings.Contains(string(body), "fia@example.org") {
					t.Errorf("body shows the address")
				}
				// RFC 8058: the signature covers both unsubscribe headers.
				vs, err := dkim.VerifyWithOptions(strings.NewReader(string(got[0].data)), &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
					if domain != "sel._domainkey.alfa.example" {
						return nil, fmt.Errorf("unexpected lookup %s", domain)
					}
					return []string{txt}, nil
				}})
				if err != nil || len(vs) != 1 || vs[0].Err != nil {
					t.Fatalf("DKIM verification = %+v, %v", vs, err)
				}
				signed := strings.ToLower(strings.Join(vs[0].HeaderKeys, ":"))
				if !strings.Contains(signed, "list-unsubscribe:list-unsubscribe-post") {
					t.Errorf("signed headers %q lack the unsubscribe headers", signed)
				}
				// Nothing of the mail stays in the row once sent.
				rows, err = db.AnswerNotifications(ctx, f.Org.ID, q.TopicID)
				if err != nil || len(rows) != 1 || rows[0].Status != gallra.DeliverySent || rows[0].Subject+rows[0].Body+rows[0].UnsubscribeURL != "" {
					t.Fatalf("sent row = %+v, %v", rows, err)
				}

				// A restart: a new service instance with no key given
				// derives the same key from the organisation's secret.
				restarted := service.NewSite(service.Deps{DB: db, Clock: clock}, nil).WithNotify(service.NotifyConfig{BaseURL: "https://gallra.example"})
				pubSite, err := restarted.SiteBySlug(ctx, "alfa")
				if err != nil {
					t.Fatal(err)
				}
				u, err := url.Parse(unsub)
				if err != nil {
					t.Fatal(err)
				}
				if err := restarted.Unsubscribe(ctx, pubSite, u.Query().Get("t")); err != nil {
					t.Fatalf("the mail's link after a restart: %v", err)
				}
				clock.Advance(48 * time.Hour)
				w3, err := restarted.Answer(ctx, f.Admin, q.TopicID, "Ny regel från måndag.", false)
				if err != nil || w3.Notified {
					t.Fatalf("answer after unsubscribe: %+v %v; want no notification", w3, err)
				}
				if st, err := d.Run(ctx); err != nil || st != (mailout.Stats{}) || len(s.messages()) != 1 {
					t.Fatalf("run after unsubscribe = %+v, %v, %d messages", st, err, len(s.messages()))
				}
			})
		})
	}
}
