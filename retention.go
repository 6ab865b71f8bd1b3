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
