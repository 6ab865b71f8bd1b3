package gallra

import (
	"context"
	"net"
	"strings"
	"time"
	"unicode/utf8"
)

// IMAPSecurity is how the connection to an IMAP server is protected.
type IMAPSecurity string

// IMAP connection security.
const (
	IMAPTLS      IMAPSecurity = "tls"      // implicit TLS, usually port 993
	IMAPStartTLS IMAPSecurity = "starttls" // plain connection upgraded with STARTTLS, usually port 143
	// IMAPNone sends the password in clear: allowed only to a loopback
	// host (a local Dovecot, tests).
	IMAPNone IMAPSecurity = "none"
)

// IMAPAfterImport is what happens on the IMAP server to a message once it is
// in Gallra. Only delete keeps the retention promise: a copy left on the
// server is outside every purge and erasure.
type IMAPAfterImport string

// After-import actions.
const (
	IMAPDelete IMAPAfterImport = "delete" // flag \Deleted and expunge
	IMAPMove   IMAPAfterImport = "move"   // move to MoveTo (e.g. an archive the server empties itself)
	IMAPKeep   IMAPAfterImport = "keep"   // leave it; the server's own retention must cover it
)

// IMAPAccount is an inbox's mailbox on another mail server, fetched into the
// inbox on a schedule. The password is never returned.
type IMAPAccount struct {
	ChannelID   int64           `json:"channel_id"`
	Host        string          `json:"host"`
	Port        int             `json:"port"`
	Security    IMAPSecurity    `json:"security" enum:"tls,starttls,none"`
	Username    string          `json:"username"`
	Folder      string          `json:"folder"`
	AfterImport IMAPAfterImport `json:"after_import" enum:"delete,move,keep"`
	MoveTo      string          `json:"move_to,omitempty"`
	Enabled     bool            `json:"enabled"`
	// Imported and Refused count messages taken in and messages the intake
	// refused (left on the server) since the account was set up.
	Imported  int64      `json:"imported"`
	Refused   int64      `json:"refused"`
	LastRunAt *time.Time `json:"last_run_at,omitempty"`
	// LastError says what went wrong on the last run ("" when it went
	// well), in words without personal data.
	LastError string    `json:"last_error,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// IMAPSettings sets up or changes an inbox's IMAP fetch. Password may be
// empty on a change to keep the stored one.
type IMAPSettings struct {
	Host        string          `json:"host"`
	Port        int             `json:"port,omitempty"`
	Security    IMAPSecurity    `json:"security,omitempty" enum:"tls,starttls,none"`
	Username    string          `json:"username"`
	Password    string          `json:"password,omitempty"`
	Folder      string          `json:"folder,omitempty"`
	AfterImport IMAPAfterImport `json:"after_import,omitempty" enum:"delete,move,keep"`
	MoveTo      string          `json:"move_to,omitempty"`
	Enabled     *bool           `json:"enabled,omitempty"`
}

// IMAP limits.
const (
	MaxIMAPHostLen     = 253
	MaxIMAPUsernameLen = 320
	MaxIMAPPasswordLen = 1024
	MaxIMAPFolderLen   = 200
)

// Normalize fills defaults (TLS on 993, folder INBOX, delete after import,
// enabled) and checks every field; errors are EINVALID naming the field.
// hasPassword tells whether a password is already stored.
func (s *IMAPSettings) Normalize(hasPassword bool) error {
	s.Host = strings.TrimSpace(strings.ToLower(s.Host))
	s.Username = strings.TrimSpace(s.Username)
	s.Folder = strings.TrimSpace(s.Folder)
	s.MoveTo = strings.TrimSpace(s.MoveTo)
	if s.Security == "" {
		s.Security = IMAPTLS
	}
	switch s.Security {
	case IMAPTLS, IMAPStartTLS, IMAPNone:
	default:
		return Errorf(EINVALID, "security must be tls, starttls or none")
	}
	if s.Port == 0 {
		s.Port = 993
		if s.Security != IMAPTLS {
			s.Port = 143
		}
	}
	if s.Port < 1 || s.Port > 65535 {
		return Errorf(EINVALID, "port must be between 1 and 65535")
	}
	if s.Host == "" || len(s.Host) > MaxIMAPHostLen || strings.ContainsAny(s.Host, " /:@\t\r\n") && net.ParseIP(s.Host) == nil {
		return Errorf(EINVALID, "host must be the IMAP server's host name, e.g. imap.example.se")
	}
	if s.Security == IMAPNone && !isLoopback(s.Host) {
		return Errorf(EINVALID, "security none sends the password in clear and is only allowed to localhost; use tls or starttls")
	}
	if s.Username == "" || len(s.Username) > MaxIMAPUsernameLen || !utf8.ValidString(s.Username) {
		return Errorf(EINVALID, "username is required (at most %d characters)", MaxIMAPUsernameLen)
	}
	if s.Password == "" && !hasPassword {
		return Errorf(EINVALID, "password is required")
	}
	if len(s.Password) > MaxIMAPPasswordLen || strings.ContainsAny(s.Password, "\r\n") {
		return Errorf(EINVALID, "password must be at most %d characters on one line", MaxIMAPPasswordLen)
	}
	if s.Folder == "" {
		s.Folder = "INBOX"
	}
	if err := ValidateText("folder", s.Folder, true, MaxIMAPFolderLen); err != nil {
		return err
	}
	if s.AfterImport == "" {
		s.AfterImport = IMAPDelete
	}
	switch s.AfterImport {
	case IMAPDelete, IMAPKeep:
		s.MoveTo = ""
	case IMAPMove:
		if err := ValidateText("move_to", s.MoveTo, true, MaxIMAPFolderLen); err != nil {
			return err
		}
		if s.MoveTo == s.Folder {
			return Errorf(EINVALID, "move_to must be another folder than folder")
		}
	default:
		return Errorf(EINVALID, "after_import must be delete, move or keep")
	}
	if s.Enabled == nil {
		t := true
		s.Enabled = &t
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IMAPRun is what one fetch of an account did.
type IMAPRun struct {
	Imported int    `json:"imported"`
	Refused  int    `json:"refused"`
	Removed  int    `json:"removed"` // deleted or moved on the server
	Error    string `json:"error,omitempty"`
}

// IMAPService sets up the IMAP fetch of inboxes (PermManageChannels) and
// runs it.
type IMAPService interface {
	// IMAPAccount returns an inbox's IMAP settings (ENOTFOUND when none).
	IMAPAccount(ctx context.Context, staff *Staff, channelID int64) (*IMAPAccount, error)
	// SetIMAPAccount sets up or changes an inbox's IMAP fetch; the password
	// is stored sealed. EUNPROCESS when the installation has no secret key.
	// Audited without the host, user or password.
	SetIMAPAccount(ctx context.Context, staff *Staff, channelID int64, in IMAPSettings) (*IMAPAccount, error)
	// DeleteIMAPAccount stops fetching and forgets the credentials. Audited.
	DeleteIMAPAccount(ctx context.Context, staff *Staff, channelID int64) error
	// FetchIMAPNow fetches the inbox's mailbox at once (PermWorkChannel).
	FetchIMAPNow(ctx context.Context, staff *Staff, channelID int64) (IMAPRun, error)
	// FetchAllIMAP fetches every enabled account, as the system (the
	// scheduled job); it returns how many accounts ran.
	FetchAllIMAP(ctx context.Context) (int, error)
}
