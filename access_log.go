package gallra

import (
	"context"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Stockholm on hosts without a zoneinfo database
)

// The access log: who among the staff read whose data, and when
// (docs/privacy-register.md, "Access log"). The services that return a
// person's data to staff record each read; admins read the log per person
// and per staff member. It is not in the audit hash chain (it is personal
// data of the staff, purged after a period) and holds ids and codes only.

// SubjectExport names a data-subject export (the request id) in the access
// log: downloading its ZIP is a read.
const SubjectExport SubjectType = "export"

// AccessAction is what a recorded read was.
type AccessAction string

// Access actions: a page or thread opened (person page, mail conversation,
// chat, forum topic), or a file downloaded (an export's ZIP).
const (
	AccessView     AccessAction = "view"
	AccessDownload AccessAction = "download"
)

// AccessReason is why staff read a person's data, where Gallra asks (the
// person page): a fixed code, never free text, so that no customer data
// can enter the log through it. Empty when not asked or not given.
type AccessReason string

// Access reasons.
const (
	ReasonNone    AccessReason = ""
	ReasonRequest AccessReason = "request" // handling a data-subject request
	ReasonCase    AccessReason = "case"    // handling the person's own matter
	ReasonLegal   AccessReason = "legal"   // legal hold, authority's demand, public-records request
	ReasonControl AccessReason = "control" // internal control, security, quality
)

// AccessReasons lists the reasons staff can give, in the order shown.
func AccessReasons() []AccessReason {
	return []AccessReason{ReasonRequest, ReasonCase, ReasonLegal, ReasonControl}
}

// Valid reports whether r is empty or one of AccessReasons.
func (r AccessReason) Valid() bool {
	if r == ReasonNone {
		return true
	}
	for _, v := range AccessReasons() {
		if r == v {
			return true
		}
	}
	return false
}

// Access-log retention bounds, in months. An organisation without its own
// setting keeps the log DefaultAccessLogMonths.
const (
	DefaultAccessLogMonths = 12
	MinAccessLogMonths     = 1
	MaxAccessLogMonths     = 60
)

// AccessEntry is one recorded read: ids, codes and a time, no content.
type AccessEntry struct {
	ID      int64 `json:"id"`
	StaffID int64 `json:"staff_id"`
	// StaffName is the reader's current name; empty once the staff user is
	// gone (the entry keeps the id).
	StaffName   string       `json:"staff_name,omitempty"`
	SubjectType SubjectType  `json:"subject_type"` // person, mail_conversation, chat_conversation, forum_topic, export
	SubjectID   int64        `json:"subject_id"`
	Action      AccessAction `json:"action"`
	Reason      AccessReason `json:"reason,omitempty"`
	At          time.Time    `json:"at"`
}

// AccessLogFilter selects access-log entries. StaffID and PersonID are
// exclusive; with neither, the whole organisation's log. A person's log
// holds the reads of their person page, of the mail conversations they
// take part in, their chats, the forum topics they started or wrote in (as
// long as those exist) and the downloads of exports made for their e-mail
// address.
type AccessLogFilter struct {
	StaffID  int64
	PersonID int64
	// From and To bound the time of the read (From inclusive, To
	// exclusive); zero values leave that side open.
	From, To time.Time
	Cursor   string // continues where AccessLogPage.Next left off
	Limit    int    // default 50, at most 200
}

// AccessLogPage is a page of the access log, newest first.
type AccessLogPage struct {
	Items []AccessEntry `json:"items"`
	Next  string        `json:"next,omitempty"`
}

// AccessLogSettings is how long an organisation keeps its access log and
// what the purge will remove.
type AccessLogSettings struct {
	Months int `json:"months"`
	// Default: no own setting, DefaultAccessLogMonths applies.
	Default bool `json:"default"`
	// Preview: entries the next purge removes, and those that become due
	// within 7 and 30 days (beyond those due now).
	Preview AccessLogPreview `json:"preview"`
}

// AccessLogPreview counts the access-log entries the purge removes.
type AccessLogPreview struct {
	Cutoff     time.Time `json:"cutoff"` // entries older than this are due now
	DueNow     int64     `json:"due_now"`
	Next7Days  int64     `json:"next_7_days"`
	Next30Days int64     `json:"next_30_days"`
}

// AccessLogService shows the access log to admins (PermAudit) and keeps its
// retention setting (PermManageOrganisation). The log has no operation that
// changes or removes an entry: only the purge removes entries, once they
// are older than the organisation's period.
type AccessLogService interface {
	// List returns a page of entries, newest first (EINVALID for a bad
	// filter, ENOTFOUND for a person or staff user of another
	// organisation).
	List(ctx context.Context, staff *Staff, f AccessLogFilter) (*AccessLogPage, error)
	// Settings returns the retention period and the purge preview.
	Settings(ctx context.Context, staff *Staff) (*AccessLogSettings, error)
	// SetMonths sets the retention period, MinAccessLogMonths to
	// MaxAccessLogMonths (EINVALID otherwise); audited
	// (access_log.retention_set).
	SetMonths(ctx context.Context, staff *Staff, months int) (*AccessLogSettings, error)
}

// AccessLogCutoff is the time before which an access-log entry is due for
// the purge at now, under a period of months.
func AccessLogCutoff(now time.Time, months int) time.Time {
	return now.AddDate(0, -months, 0)
}

// ParseAccessLogDays reads an access-log date filter: from and to are days
// (YYYY-MM-DD, Swedish time), both included, each optional (""). It
// returns the bounds of AccessLogFilter (To is the start of the day after
// to); EINVALID naming the field otherwise.
func ParseAccessLogDays(from, to string) (time.Time, time.Time, error) {
	loc, err := time.LoadLocation(DefaultTimeZone)
	if err != nil {
		loc = time.UTC
	}
	var f, t time.Time
	if from = strings.TrimSpace(from); from != "" {
		if f, err = time.ParseInLocation(time.DateOnly, from, loc); err != nil {
			return f, t, Errorf(EINVALID, "from must be a date like 2026-01-01")
		}
	}
	if to = strings.TrimSpace(to); to != "" {
		if t, err = time.ParseInLocation(time.DateOnly, to, loc); err != nil {
			return f, t, Errorf(EINVALID, "to must be a date like 2026-01-31")
		}
		t = t.AddDate(0, 0, 1)
	}
	if !f.IsZero() && !t.IsZero() && !f.Before(t) {
		return f, t, Errorf(EINVALID, "to (%s) is before from (%s)", to, from)
	}
	return f, t, nil
}
