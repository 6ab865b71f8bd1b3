package gallra

import "time"

// Hold is a legal hold with what it is on.
type Hold struct {
	SubjectType SubjectType `json:"subject_type"`
	SubjectID   int64       `json:"subject_id"`
	ChannelID   int64       `json:"channel_id"`
	LegalHold
}

// DayStats is one channel's activity on one UTC day: live content plus what
// purges folded away, so that counts stay true after purges.
type DayStats struct {
	Day           time.Time `json:"day"`
	Posts         int64     `json:"posts"`
	Conversations int64     `json:"conversations"`
	Messages      int64     `json:"messages"`
	ChatSeconds   int64     `json:"chat_seconds"`
}

// Purge run statuses.
const (
	PurgeRunning     = "running"
	PurgeDone        = "done"
	PurgeFailed      = "failed"
	PurgeInterrupted = "interrupted" // the process died or was cancelled mid-run
)

// PurgeRun is the record of one purge: when, what it covered, and counts.
// It holds ids and counts only, never personal data.
type PurgeRun struct {
	ID             int64             `json:"id"`
	Trigger        string            `json:"trigger"`
	OrgID          int64             `json:"org_id,omitempty"`
	ChannelID      int64             `json:"channel_id,omitempty"`
	Status         string            `json:"status"`
	StartedAt      time.Time         `json:"started_at"`
	FinishedAt     *time.Time        `json:"finished_at,omitempty"`
	Anonymized     int64             `json:"anonymized"`
	Deleted        int64             `json:"deleted"`
	SkippedHold    int64             `json:"skipped_hold"`
	PersonsDeleted int64             `json:"persons_deleted"`
	Error          string            `json:"error,omitempty"`
	Channels       []PurgeRunChannel `json:"channels"`
}

// PurgeRunChannel is one channel's part of a run.
type PurgeRunChannel struct {
	OrgID          int64     `json:"org_id"`
	ChannelID      int64     `json:"channel_id"`
	Module         string    `json:"module"`
	Action         string    `json:"action"`
	Period         string    `json:"period"`
	Cutoff         time.Time `json:"cutoff"`
	Anonymized     int64     `json:"anonymized"`
	Deleted        int64     `json:"deleted"`
	SkippedHold    int64     `json:"skipped_hold"`
	PersonsDeleted int64     `json:"persons_deleted"`
	Error          string    `json:"error,omitempty"`
}

// RetentionResolved is a channel's effective policy and where it comes from.
type RetentionResolved struct {
	ChannelID int64  `json:"channel_id"`
	Module    Module `json:"module"`
	Policy
	// Source is "channel" (its own setting), "organisation" (the module
	// default the organisation chose) or "shipped" (the built-in default).
	Source string `json:"source"`
	// Capped reports that the stored setting is longer than the operator's
	// current cap and the cap applies instead.
	Capped    bool       `json:"capped,omitempty"`
	Cap       *Period    `json:"cap,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// RetentionModuleDefault is an organisation's default for one module.
type RetentionModuleDefault struct {
	Module Module `json:"module"`
	Policy
	Source    string     `json:"source"` // "organisation" or "shipped"
	Capped    bool       `json:"capped,omitempty"`
	Cap       *Period    `json:"cap,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// RetentionBucket is a set of items in a preview: how many, and their ids (at most
// MaxPreviewIDs; Truncated says there were more).
type RetentionBucket struct {
	Count     int     `json:"count"`
	IDs       []int64 `json:"ids"`
	Truncated bool    `json:"truncated,omitempty"`
}

// MaxPreviewIDs caps the ids listed per preview bucket.
const MaxPreviewIDs = 1000

// RetentionPreview says what a purge of one channel would do now and soon.
type RetentionPreview struct {
	ChannelID int64             `json:"channel_id"`
	Module    Module            `json:"module"`
	Policy    RetentionResolved `json:"policy"`
	// Proposed is true when the preview is of a policy not (yet) saved.
	Proposed bool      `json:"proposed,omitempty"`
	At       time.Time `json:"at"`
	ItemType string    `json:"item_type"` // forum_post, mail_conversation, chat_conversation
	Action   Action    `json:"action"`
	// Cutoff: items whose clock is before it are due now (nil for never).
	Cutoff *time.Time `json:"cutoff,omitempty"`
	// DueNow would be purged by a purge now.
	DueNow RetentionBucket `json:"due_now"`
	// Held are due now but on legal hold: skipped.
	Held RetentionBucket `json:"held"`
	// Next7Days and Next30Days become due within 7 and 30 days from now
	// (not yet due now; the 30-day bucket includes the 7-day one). Held
	// items are not included.
	Next7Days  RetentionBucket `json:"next_7_days"`
	Next30Days RetentionBucket `json:"next_30_days"`
	// Cached is true when the counts are those computed at At by the last
	// purge cycle (RetentionService.PreviewCounts), not counted now; the
	// buckets then hold no ids.
	Cached bool `json:"cached,omitempty"`
}
