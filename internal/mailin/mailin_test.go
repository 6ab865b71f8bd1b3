package mailin_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/mailin"
)

func mustParseFile(t *testing.T, name string) *mailin.Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mailin.Parse(bytes.NewReader(raw), 0, "")
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return m
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, in gallra.InboundMail)
	}{
		{"outlook_reply.eml", func(t *testing.T, in gallra.InboundMail) {
			want(t, "from", in.From, "anna.testsson@example.com")
			want(t, "from name", in.FromName, "Anna Testsson")
			want(t, "subject", in.Subject, "SV: Fråga om bygglov")
			want(t, "in-reply-to", in.InReplyTo, "out-1@kommun.example")
			want(t, "references", strings.Join(in.References, " "), "first-1@example.com out-1@kommun.example")
			want(t, "kind", in.Kind, "")
			contains(t, "body", in.Body, "Tack för svaret")
			contains(t, "html", in.HTML, "<p>Tack för svaret.")
			absent(t, "html", in.HTML, "<style", "margin:0")
		}},
		{"gmail_thread.eml", func(t *testing.T, in gallra.InboundMail) {
			want(t, "message id", in.MessageID, "CAbc123DEF456ghi789@mail.gmail.example")
			want(t, "to", strings.Join(in.To, ","), "kontakt@kommun.example,cecilia@example.org")
			want(t, "subject", in.Subject, "Re: Soptunnan hämtades inte")
			contains(t, "body", in.Body, "soptunnan står fortfarande kvar")
		}},
		{"autosvar.eml", func(t *testing.T, in gallra.InboundMail) {
			want(t, "kind", in.Kind, gallra.MailKindAutoReply)
			contains(t, "body", in.Body, "på semester")
		}},
		{"dsn_bounce.eml", func(t *testing.T, in gallra.InboundMail) {
			want(t, "kind", in.Kind, gallra.MailKindBounce)
			want(t, "bounced", in.BouncedMessageID, "out-1@kommun.example")
			want(t, "from", in.From, "MAILER-DAEMON@mx.example.net")
		}},
		{"iso8859_swedish.eml", func(t *testing.T, in gallra.InboundMail) {
			want(t, "from name", in.FromName, "Åsa Örnsköld")
			want(t, "subject", in.Subject, "Fråga om färdtjänst och hörselslinga")
			want(t, "body", in.Body, "Hej! Jag undrar över färdtjänsten till Älvsjö. Åsa")
		}},
		{"windows1252.eml", func(t *testing.T, in gallra.InboundMail) {
			want(t, "body", in.Body, "”Hej” – söker bidrag för 500 €.")
		}},
		{"html_tracking.eml", func(t *testing.T, in gallra.InboundMail) {
			absent(t, "html", in.HTML, "track.example.org", "<script", "alert", "evil", "onload", "onclick", "javascript:", "<iframe", "<style")
			absent(t, "body", in.Body, "track.example.org", "alert", "evil", "background")
			contains(t, "html", in.HTML, "<b>den 10 november</b>", `href="https://example.org/anmalan"`, `src="cid:logo@example.org"`)
			contains(t, "body", in.Body, "Välkommen till mötet den 10 november.")
		}},
		{"attachment_traversal.eml", func(t *testing.T, in gallra.InboundMail) {
			if len(in.Attachments) != 2 {
				t.Fatalf("attachments = %d, want 2", len(in.Attachments))
			}
			want(t, "filename", in.Attachments[0].Filename, "x")
			want(t, "content", string(in.Attachments[0].Content), "%PDF-1.4 test\n")
			want(t, "filename", in.Attachments[1].Filename, "evil.txt")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := mustParseFile(t, tt.file)
			if err := m.Mail.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			tt.check(t, m.Mail)
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		max  int64
		code string
	}{
		{"empty", "", 0, gallra.EINVALID},
		{"only blank lines", "\r\n\r\n", 0, gallra.EINVALID},
		{"no sender", "To: a@example.com\r\nSubject: x\r\n\r\nbody\r\n", 0, gallra.EINVALID},
		{"over the size", "From: a@example.com\r\n\r\n" + strings.Repeat("x", 200), 100, gallra.ETOOLARGE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mailin.Parse(strings.NewReader(tt.raw), tt.max, "")
			if gallra.ErrorCode(err) != tt.code {
				t.Fatalf("err = %v, want code %s", err, tt.code)
			}
		})
	}
}

func TestParseHeaderInjectionAndFallbacks(t *testing.T) {
	raw := "From: broken\r\nSubject: =?utf-8?q?Hej=0D=0ABcc:_victim@example.com?=\r\n\r\nbody\r\n"
	m, err := mailin.Parse(strings.NewReader(raw), 0, "envelope@example.com")
	if err != nil {
		t.Fatal(err)
	}
	want(t, "from", m.Mail.From, "envelope@example.com")
	want(t, "subject", m.Mail.Subject, "Hej Bcc: victim@example.com")
	if !strings.HasSuffix(m.Mail.MessageID, "@no-message-id.gallra.invalid") {
		t.Errorf("message id = %q, want a derived one", m.Mail.MessageID)
	}
	again, _ := mailin.Parse(strings.NewReader(raw), 0, "envelope@example.com")
	want(t, "derived id is stable", again.Mail.MessageID, m.Mail.MessageID)
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name    string
		from    string
		subject string
		headers map[string]string
		want    string
	}{
		{"ordinary", "anna@example.com", "Fråga", nil, ""},
		{"Autosvar subject", "anna@example.com", "Autosvar: Fråga", nil, gallra.MailKindAutoReply},
		{"Automatiskt svar subject", "anna@example.com", "Automatiskt svar: Fråga", nil, gallra.MailKindAutoReply},
		{"Frånvaro subject", "anna@example.com", "Frånvaromeddelande", nil, gallra.MailKindAutoReply},
		{"Out of office subject", "anna@example.com", "Out of Office: Question", nil, gallra.MailKindAutoReply},
		{"no-reply sender", "no-reply@example.com", "Kvitto", nil, gallra.MailKindAutoReply},
		{"mailer-daemon sender", "MAILER-DAEMON@example.com", "x", nil, gallra.MailKindAutoReply},
		{"Auto-Submitted", "a@example.com", "x", map[string]string{"Auto-Submitted": "auto-generated"}, gallra.MailKindAutoReply},
		{"Auto-Submitted no", "a@example.com", "x", map[string]string{"Auto-Submitted": "no"}, ""},
		{"Precedence bulk", "a@example.com", "x", map[string]string{"Precedence": "bulk"}, gallra.MailKindAutoReply},
		{"Precedence list", "a@example.com", "x", map[string]string{"Precedence": "list"}, gallra.MailKindAutoReply},
		{"Precedence first-class", "a@example.com", "x", map[string]string{"Precedence": "first-class"}, ""},
		{"X-Auto-Response-Suppress", "a@example.com", "x", map[string]string{"X-Auto-Response-Suppress": "OOF, AutoReply"}, gallra.MailKindAutoReply},
		{"X-Autoreply", "a@example.com", "x", map[string]string{"X-Autoreply": "yes"}, gallra.MailKindAutoReply},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := gallra.InboundMail{From: tt.from, Subject: tt.subject}
			var h func(string) string
			if tt.headers != nil {
				h = func(k string) string { return tt.headers[k] }
			}
			mailin.Classify(&in, h)
			want(t, "kind", in.Kind, tt.want)
		})
	}
}

func TestAddresses(t *testing.T) {
	key := "0123456789abcdef0123456789abcdef"
	tests := []struct{ rcpt, inbox, key string }{
		{"kontakt@kommun.example", "kontakt@kommun.example", ""},
		{"<Kontakt@Kommun.Example>", "kontakt@kommun.example", ""},
		{"kontakt+c-" + key + "@kommun.example", "kontakt@kommun.example", key},
		{"kontakt+c-" + strings.ToUpper(key) + "@kommun.example", "kontakt@kommun.example", key},
		{"kontakt+c-123@kommun.example", "kontakt@kommun.example", ""},
		{"kontakt+news@kommun.example", "kontakt@kommun.example", ""},
	}
	for _, tt := range tests {
		inbox, k := mailin.SplitAddress(tt.rcpt)
		if inbox != tt.inbox || k != tt.key {
			t.Errorf("SplitAddress(%q) = %q, %q; want %q, %q", tt.rcpt, inbox, k, tt.inbox, tt.key)
		}
	}
	want(t, "plus address", mailin.PlusAddress("kontakt@kommun.example", key), "kontakt+c-"+key+"@kommun.example")
	want(t, "subject key", mailin.SubjectKey("Re: Fråga [#"+key+"]"), key)
	want(t, "no subject key", mailin.SubjectKey("Re: Fråga [#123]"), "")
}

func TestSafeFilename(t *testing.T) {
	for in, out := range map[string]string{
		"../x": "x", "..\\..\\evil.exe": "evil.exe", "/etc/passwd": "passwd", "": "attachment", "..": "attachment",
		".hidden": "hidden", "a\r\nb.txt": "ab.txt", "rapport å.pdf": "rapport å.pdf", strings.Repeat("å", 200): strings.Repeat("å", 127),
	} {
		want(t, "SafeFilename("+in+")", mailin.SafeFilename(in), out)
	}
}

// FuzzParse: any input is parsed or refused with a coded error; what is
// parsed passes validation and has safe attachment names and a one-line
// subject.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/report\r\n\r\n--x--"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := mailin.Parse(bytes.NewReader(raw), 1<<20, "")
		if err != nil {
			if gallra.ErrorCode(err) == gallra.EINTERNAL {
				t.Fatalf("uncoded error: %v", err)
			}
			return
		}
		if err := m.Mail.Validate(); err != nil {
			t.Fatalf("parsed mail does not validate: %v", err)
		}
		if strings.ContainsAny(m.Mail.Subject, "\r\n") {
			t.Fatalf("subject has a line break: %q", m.Mail.Subject)
		}
		for _, a := range m.Mail.Attachments {
			if strings.ContainsAny(a.Filename, "/\\") || strings.HasPrefix(a.Filename, ".") {
				t.Fatalf("unsafe filename %q", a.Filename)
			}
		}
	})
}

func want(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func contains(t *testing.T, what, got string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(got, s) {
			t.Errorf("%s = %q, want it to contain %q", what, got, s)
		}
	}
}

func absent(t *testing.T, what, got string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(got, s) {
			t.Errorf("%s = %q, must not contain %q", what, got, s)
		}
	}
}
