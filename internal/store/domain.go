package store

import "github.com/gallra/gallra"

// Aliases of domain types that used to be declared here and now live in
// package gallra. They keep callers compiling while the move is merged; new
// code names the gallra types.
type (
	SubjectRequest  = gallra.SubjectRequest
	RequestKind     = gallra.RequestKind
	RequestStatus   = gallra.RequestStatus
	RequestFilter   = gallra.RequestFilter
	Mention         = gallra.Mention
	Artefact        = gallra.Artefact
	Page            = gallra.Page
	Author          = gallra.Author
	NewTopic        = gallra.NewTopic
	NewPost         = gallra.NewPost
	InboundMail     = gallra.InboundMail
	Attachment      = gallra.Attachment
	SocialInput     = gallra.SocialInput
	NewChat         = gallra.NewChat
	SearchHit       = gallra.SearchHit
	Hold            = gallra.Hold
	DayStats        = gallra.DayStats
	PurgeRun        = gallra.PurgeRun
	PurgeRunChannel = gallra.PurgeRunChannel
	StaffUpdate     = gallra.StaffUpdate
	PIIPattern      = gallra.PIIPattern
	AuditFilter     = gallra.AuditFilter
)

// Constants that moved to package gallra with their types.
const (
	RequestExport      = gallra.RequestExport
	RequestErase       = gallra.RequestErase
	StatusReceived     = gallra.StatusReceived
	StatusProcessing   = gallra.StatusProcessing
	StatusCompleted    = gallra.StatusCompleted
	StatusFailed       = gallra.StatusFailed
	StatusCancelled    = gallra.StatusCancelled
	MaxAttachments     = gallra.MaxAttachments
	MaxAttachmentBytes = gallra.MaxAttachmentBytes
	MaxRecipients      = gallra.MaxRecipients
	PurgeRunning       = gallra.PurgeRunning
	PurgeDone          = gallra.PurgeDone
	PurgeFailed        = gallra.PurgeFailed
	PurgeInterrupted   = gallra.PurgeInterrupted
)
