package gallra

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Organisation kinds: they choose the default legal basis of the privacy
// register (a public authority answers as a public task, Art. 6(1)(e); a
// company under contract or legitimate interest, Art. 6(1)(b)/(f)).
const (
	OrgKindPublic  = "public_authority"
	OrgKindCompany = "company"
)

// ValidOrgKind reports whether k is a known organisation kind.
func ValidOrgKind(k string) bool { return k == OrgKindPublic || k == OrgKindCompany }

// LegalBasis is a legal basis of Art. 6(1) GDPR.
type LegalBasis string

// The six bases of Art. 6(1), (a) to (f).
const (
	BasisConsent             LegalBasis = "consent"              // (a)
	BasisContract            LegalBasis = "contract"             // (b)
	BasisLegalObligation     LegalBasis = "legal_obligation"     // (c)
	BasisVitalInterests      LegalBasis = "vital_interests"      // (d)
	BasisPublicTask          LegalBasis = "public_task"          // (e)
	BasisLegitimateInterests LegalBasis = "legitimate_interests" // (f)
)

// LegalBases lists the bases in the order of Art. 6(1).
func LegalBases() []LegalBasis {
	return []LegalBasis{BasisConsent, BasisContract, BasisLegalObligation, BasisVitalInterests, BasisPublicTask, BasisLegitimateInterests}
}

// Article returns "6(1)(a)" … "6(1)(f)", or "" for an unknown basis.
func (b LegalBasis) Article() string {
	for i, x := range LegalBases() {
		if x == b {
			return "6(1)(" + string(rune('a'+i)) + ")"
		}
	}
	return ""
}

// Valid reports whether b is one of the six bases.
func (b LegalBasis) Valid() bool { return b.Article() != "" }

// ParseLegalBasis accepts a basis name ("public_task") or its letter ("e",
// "6(1)(e)"); anything else is EINVALID naming the accepted values.
func ParseLegalBasis(s string) (LegalBasis, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, b := range LegalBases() {
		if t == string(b) || t == b.Article() || t == b.Article()[5:6] {
			return b, nil
		}
	}
	return "", Errorf(EINVALID, "legal basis %q is not one of consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests (Art. 6(1) a–f)", truncate(s, 40))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "?")
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.ToValidUTF8(s[:n], "?") + "…"
}

// BiText is a text the organisation writes in Swedish and English; an empty
// side falls back to the generated default of that language.
type BiText struct {
	SV string `json:"sv,omitempty"`
	EN string `json:"en,omitempty"`
}

// In returns the text in lang ("sv" or "en").
func (t BiText) In(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.SV
}

// PrivacyController are the controller's details (Art. 13(1)(a)–(b),
// Art. 30(1)(a)). Name empty means the organisation's name.
type PrivacyController struct {
	Name      string `json:"name,omitempty"`
	OrgNumber string `json:"org_number,omitempty"`
	Address   string `json:"address,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	DPOName   string `json:"dpo_name,omitempty"`
	DPOEmail  string `json:"dpo_email,omitempty"`
	DPOPhone  string `json:"dpo_phone,omitempty"`
}

// PrivacyProcessing is what the organisation chose for one module (its
// default) or one channel (an override): the legal basis, the purpose and
// the recipients. Empty fields follow the module setting, then the
// generated default for the organisation's kind.
type PrivacyProcessing struct {
	Module     Module     `json:"module"`
	ChannelID  int64      `json:"channel_id,omitempty"`
	Basis      LegalBasis `json:"basis,omitempty"`
	Purpose    BiText     `json:"purpose"`
	Recipients BiText     `json:"recipients"`
}

// PrivacyRegister is an organisation's register settings: the one source the
// Art. 30 record, the Art. 13 notices and the Art. 15 information of exports
// are generated from, with the retention policies and the operator's
// sub-processors.
type PrivacyRegister struct {
	OrgID      int64             `json:"org_id"`
	Kind       string            `json:"kind"`
	Controller PrivacyController `json:"controller"`
	// Security are the technical and organisational measures (Art. 32) in
	// the organisation's words, added to those Gallra itself takes.
	Security BiText `json:"security"`
	// Modules are the module settings (at most one per module), Channels
	// the per-channel overrides.
	Modules  []PrivacyProcessing `json:"modules"`
	Channels []PrivacyProcessing `json:"channels"`
	// Version counts the saved changes (0: never saved, all defaults).
	Version   int64      `json:"version"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	// SubProcessorsSeenAt is when an administrator last acknowledged the
	// sub-processor list.
	SubProcessorsSeenAt *time.Time `json:"subprocessors_seen_at,omitempty"`
}

// Module returns the register's setting for module m (zero when none).
func (r *PrivacyRegister) Module(m Module) PrivacyProcessing {
	for _, p := range r.Modules {
		if p.Module == m {
			return p
		}
	}
	return PrivacyProcessing{Module: m}
}

// Channel returns the register's override for a channel (zero when none).
func (r *PrivacyRegister) Channel(id int64) PrivacyProcessing {
	for _, p := range r.Channels {
		if p.ChannelID == id {
			return p
		}
	}
	return PrivacyProcessing{ChannelID: id}
}

// ProcessingRecord is one channel's processing as the register derives it:
// what the Art. 30 record lists and the notice tells.
type ProcessingRecord struct {
	ChannelID   int64      `json:"channel_id"`
	ChannelName string     `json:"channel_name"`
	Module      Module     `json:"module"`
	Basis       LegalBasis `json:"basis"`
	Article     string     `json:"article"`
	// BasisSource is "channel", "module" or "default" (the organisation
	// kind's default).
	BasisSource string `json:"basis_source"`
	Purpose     BiText `json:"purpose"`
	Recipients  BiText `json:"recipients"`
	// DataSubjects and DataCategories are keys (PrivacyLabel translates
	// them): what the channel stores, derived from the module, the IP
	// setting and the data (custom fields, attachments).
	DataSubjects   []string `json:"data_subjects"`
	DataCategories []string `json:"data_categories"`
	// IPStorage is how client IP addresses are kept: "full", "truncated"
	// or "none" ("" for modules that keep none).
	IPStorage string `json:"ip_storage,omitempty"`
	// SensitiveKinds are the kinds of sensitive identifiers the PII
	// detector has seen in the channel (personnummer, card…): flagged as
	// possibly special categories (Art. 9) or national identity numbers
	// (Art. 87) to be reviewed.
	SensitiveKinds []string          `json:"sensitive_kinds"`
	Retention      RetentionResolved `json:"retention"`
	RetentionText  BiText            `json:"retention_text"`
}

// SubProcessor is one of the operator's sub-processors (Art. 28(2), (4)).
type SubProcessor struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Service string `json:"service"`
	// Country is the ISO 3166-1 alpha-2 code where the data is processed.
	Country string `json:"country"`
	// EEA is derived from Country (EU/EEA member state).
	EEA bool `json:"eea"`
	// Mechanism is the transfer mechanism for a country outside the EEA:
	// TransferAdequacy, TransferDPF or TransferSCC ("" inside the EEA).
	Mechanism string     `json:"mechanism,omitempty"`
	AddedAt   time.Time  `json:"added_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	RemovedAt *time.Time `json:"removed_at,omitempty"`
	// Flagged: outside the EEA without a transfer mechanism; no personal
	// data may go there.
	Flagged bool `json:"flagged"`
}

// Transfer mechanisms (Chapter V GDPR).
const (
	TransferAdequacy = "adequacy" // Art. 45 adequacy decision
	TransferDPF      = "dpf"      // EU–US Data Privacy Framework (an adequacy decision for certified US companies)
	TransferSCC      = "scc"      // Art. 46(2)(c) standard contractual clauses
)

// NewSubProcessor is a sub-processor to add or the new values of one.
type NewSubProcessor struct {
	Name      string `json:"name"`
	Service   string `json:"service"`
	Country   string `json:"country"`
	Mechanism string `json:"mechanism,omitempty"`
}

// NoticeVersion is one version of a channel's notice in one language and
// the period it was shown (ValidTo nil: the current one).
type NoticeVersion struct {
	ID        int64      `json:"id"`
	ChannelID int64      `json:"channel_id"`
	Lang      string     `json:"lang"`
	Text      string     `json:"text"`
	ValidFrom time.Time  `json:"valid_from"`
	ValidTo   *time.Time `json:"valid_to,omitempty"`
}

// Art30Record is an organisation's record of processing activities
// (Art. 30(1)), generated from the register, the retention policies and the
// sub-processors at GeneratedAt.
type Art30Record struct {
	Organisation Organisation      `json:"organisation"`
	Kind         string            `json:"kind"`
	Controller   PrivacyController `json:"controller"`
	GeneratedAt  time.Time         `json:"generated_at"`
	// SettingsVersion identifies the settings the record was made from:
	// the register's version and a hash over everything it was generated
	// from (register, policies, sub-processors, IP setting); any change
	// gives another.
	SettingsVersion string             `json:"settings_version"`
	Processing      []ProcessingRecord `json:"processing"`
	Security        BiText             `json:"security"`
	SubProcessors   []SubProcessor     `json:"subprocessors"`
	// Rights and Authority are the data subject's rights and the
	// supervisory authority, in Swedish and English.
	Rights    BiText `json:"rights"`
	Authority BiText `json:"authority"`
	// StaffData is the processing of the organisation's own staff users'
	// data and its retention: kept while the account is active, removed
	// by the purge StaffOffboardDays after deactivation.
	StaffData         BiText `json:"staff_data"`
	StaffOffboardDays int    `json:"staff_offboard_days"`
}

// Art15Info is the information of Art. 15(1) an export carries: filled from
// the register when the export is made.
type Art15Info struct {
	GeneratedAt     time.Time          `json:"generated_at"`
	SettingsVersion string             `json:"settings_version"`
	Controller      PrivacyController  `json:"controller"`
	Processing      []ProcessingRecord `json:"processing"`
	// Source tells where the data came from (Art. 15(1)(g)).
	Source        BiText         `json:"source"`
	Rights        BiText         `json:"rights"`
	Authority     BiText         `json:"authority"`
	SubProcessors []SubProcessor `json:"subprocessors"`
	// Labels translates the category and subject keys, per language.
	Labels map[string]BiText `json:"labels"`
}

// PrivacyRegisterUpdate replaces the changeable parts of the register; nil
// means unchanged.
type PrivacyRegisterUpdate struct {
	Kind       *string
	Controller *PrivacyController
	Security   *BiText
	// Module, when set, replaces that module's setting; Channel that
	// channel's override (an all-empty value removes it).
	Module  *PrivacyProcessing
	Channel *PrivacyProcessing
}

// PrivacyService is the privacy register: its settings, the records,
// notices and export information generated from them, and the operator's
// sub-processors. Reads need an active staff user, changes
// PermManageOrganisation (administrators); the operator's methods say so
// in their names.
type PrivacyService interface {
	// Register returns the organisation's register settings (defaults
	// filled in).
	Register(ctx context.Context, staff *Staff) (*PrivacyRegister, error)
	// UpdateRegister changes them; audited (field names, never values).
	UpdateRegister(ctx context.Context, staff *Staff, u PrivacyRegisterUpdate) (*PrivacyRegister, error)
	// Records returns the processing record of every channel.
	Records(ctx context.Context, staff *Staff) ([]ProcessingRecord, error)
	// Art30 generates the record of processing activities.
	Art30(ctx context.Context, staff *Staff) (*Art30Record, error)
	// NoticeText is the Art. 13 notice of a channel in lang ("sv", "en";
	// "" the organisation's language), generated from the register and the
	// live retention policy. Public: no staff user needed. Forum, mail and
	// chat channels only (EUNPROCESS for others).
	NoticeText(ctx context.Context, orgID, channelID int64, lang string) (string, error)
	// NoticeHistory returns the versions of a channel's notice, newest
	// first.
	NoticeHistory(ctx context.Context, staff *Staff, channelID int64) ([]NoticeVersion, error)
	// Art15 is the Art. 15(1) information of an export of the organisation.
	Art15(ctx context.Context, orgID int64) (*Art15Info, error)
	// SubProcessors lists the operator's current sub-processors and reports
	// whether they changed since an administrator last acknowledged them.
	SubProcessors(ctx context.Context, staff *Staff) ([]SubProcessor, bool, error)
	// AcknowledgeSubProcessors records that an administrator has seen the
	// current list (hides the banner); audited.
	AcknowledgeSubProcessors(ctx context.Context, staff *Staff) error

	// ListSubProcessorsAsOperator lists every sub-processor, removed ones
	// too.
	ListSubProcessorsAsOperator(ctx context.Context) ([]SubProcessor, error)
	// AddSubProcessorAsOperator, UpdateSubProcessorAsOperator and
	// RemoveSubProcessorAsOperator change the list; each change is in the
	// operator audit log and in every organisation's audit log, and shows
	// the organisations' administrators a banner until acknowledged.
	AddSubProcessorAsOperator(ctx context.Context, in NewSubProcessor) (*SubProcessor, error)
	UpdateSubProcessorAsOperator(ctx context.Context, id int64, in NewSubProcessor) (*SubProcessor, error)
	RemoveSubProcessorAsOperator(ctx context.Context, id int64) error
}
