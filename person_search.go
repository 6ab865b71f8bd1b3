package gallra

import "context"

// PersonMention is a row whose text names an identifier searched for (a
// mention of the person, possibly in someone else's post).
type PersonMention struct {
	Entity    string `json:"entity"` // forum_post, mail_message, chat_message, social_item, knowledge_article
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channel_id"`
	// ParentID is the topic or conversation of the row (0 for social items
	// and articles).
	ParentID int64  `json:"parent_id"`
	Kind     string `json:"kind"` // email, phone, personnummer
}

// PersonSearchResult is the answer of a person search: the persons whose
// e-mail, name or social account matches, and the rows whose text names
// the identifier (e-mail, phone, personnummer).
type PersonSearchResult struct {
	// Kind is what the query was read as: email, phone, personnummer or
	// name (names and social handles).
	Kind     string          `json:"kind"`
	Persons  []Person        `json:"persons"`
	Mentions []PersonMention `json:"mentions"`
	// Complete is false while the identifier index is still being filled
	// for rows written before it existed: mentions may then be missing.
	Complete bool `json:"complete"`
}

// PersonChannelCount is what one channel holds of a person.
type PersonChannelCount struct {
	ChannelID int64  `json:"channel_id"`
	Module    Module `json:"module"`
	// Items are forum posts, mail or chat conversations, social items.
	Items int64 `json:"items"`
}

// PersonOverview is the person page: what is held where, the requests
// made for the person's e-mail address and the legal holds on their
// content.
type PersonOverview struct {
	Person   Person               `json:"person"`
	Channels []PersonChannelCount `json:"channels"`
	Requests []SubjectRequest     `json:"requests"`
	Holds    []Hold               `json:"holds"`
}

// PersonService finds data subjects across all channels. Admins see every
// channel, editors their own; every search and every reading of a person
// page is audited (ids and keyed hashes only).
type PersonService interface {
	SearchPersons(ctx context.Context, staff *Staff, q string) (*PersonSearchResult, error)
	PersonOverview(ctx context.Context, staff *Staff, personID int64) (*PersonOverview, error)
	// PersonOverviewFor is PersonOverview with the reason staff gave for
	// opening the page (EINVALID unless AccessReason.Valid), recorded in
	// the access log with the read.
	PersonOverviewFor(ctx context.Context, staff *Staff, personID int64, reason AccessReason) (*PersonOverview, error)
}
