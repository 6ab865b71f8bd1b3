package gallra

import (
	"strings"
	"testing"
)

func TestIMAPSettingsNormalize(t *testing.T) {
	ok := func() IMAPSettings {
		return IMAPSettings{Host: " IMAP.Example.se ", Username: "kontakt@example.se", Password: "p"}
	}
	s := ok()
	if err := s.Normalize(false); err != nil {
		t.Fatal(err)
	}
	if s.Host != "imap.example.se" || s.Port != 993 || s.Security != IMAPTLS || s.Folder != "INBOX" || s.AfterImport != IMAPDelete || s.Enabled == nil || !*s.Enabled {
		t.Errorf("defaults: %+v", s)
	}
	s = ok()
	s.Security = IMAPStartTLS
	if s.Normalize(false); s.Port != 143 {
		t.Errorf("starttls default port %d", s.Port)
	}
	cases := []struct {
		name string
		edit func(*IMAPSettings)
		has  bool
		want string
	}{
		{"no host", func(s *IMAPSettings) { s.Host = " " }, false, "host"},
		{"host with a path", func(s *IMAPSettings) { s.Host = "imap.example.se/x" }, false, "host"},
		{"host with credentials", func(s *IMAPSettings) { s.Host = "user@imap.example.se" }, false, "host"},
		{"port 0 after default", func(s *IMAPSettings) { s.Port = 70000 }, false, "port"},
		{"unknown security", func(s *IMAPSettings) { s.Security = "ssl" }, false, "security"},
		{"clear text to a remote host", func(s *IMAPSettings) { s.Security = IMAPNone }, false, "localhost"},
		{"no user", func(s *IMAPSettings) { s.Username = "" }, false, "username"},
		{"no password on create", func(s *IMAPSettings) { s.Password = "" }, false, "password"},
		{"password with a line break", func(s *IMAPSettings) { s.Password = "a\r\nb" }, false, "password"},
		{"move without a folder", func(s *IMAPSettings) { s.AfterImport = IMAPMove }, false, "move_to"},
		{"move to the same folder", func(s *IMAPSettings) { s.AfterImport, s.MoveTo = IMAPMove, "INBOX" }, false, "another folder"},
		{"unknown after_import", func(s *IMAPSettings) { s.AfterImport = "archive" }, false, "after_import"},
		{"folder with NUL", func(s *IMAPSettings) { s.Folder = "a\x00b" }, false, "folder"},
	}
	for _, c := range cases {
		s := ok()
		c.edit(&s)
		err := s.Normalize(c.has)
		if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want EINVALID about %s", c.name, err, c.want)
		}
	}
	// No password on a change keeps the stored one; clear text to
	// localhost is allowed (a local Dovecot).
	s = ok()
	s.Password, s.Host, s.Security = "", "127.0.0.1", IMAPNone
	if err := s.Normalize(true); err != nil || s.Port != 143 {
		t.Errorf("change without password to localhost: %v %+v", err, s)
	}
}
