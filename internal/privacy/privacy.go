// Package privacy is the privacy register (issue 21): the one source the
// Art. 30 record of processing, every channel's Art. 13 notice and the
// Art. 15(1) information of exports are generated from. It reads the
// organisation's register settings (controller, legal bases, purposes,
// recipients, security measures), the live retention policies (never typed
// twice), the IP setting and the operator's sub-processors, and keeps every
// version of every notice with the period it was shown.
//
// Every rule of the register lives here: defaults by organisation kind,
// validation, who may change what, and the audit entries (written by the
// store in the same transaction). The web UI, the JSON API, the CLI and the
// retention engine's privacy sentence all call this service.
package privacy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/store"
)

// Policies resolves a channel's effective retention policy
// (retention.Engine).
type Policies interface {
	ChannelPolicy(ctx context.Context, orgID, channelID int64) (*gallra.RetentionResolved, error)
}

// IP storage modes (ProcessingRecord.IPStorage).
const (
	IPFull      = "full"
	IPTruncated = "truncated"
	IPNone      = "none"
)

// Config configures a Service.
type Config struct {
	Clock gallra.Clock // default gallra.SystemClock
	// IPStorage tells how the organisation keeps the client IP addresses of
	// a module's writers (forum posts: the public site's setting; chats:
	// the chat setting): IPFull, IPTruncated or IPNone. Nil: IPFull.
	IPStorage func(ctx context.Context, orgID int64, m gallra.Module) (string, error)
}

// Service implements gallra.PrivacyService. It holds no mutable state.
type Service struct {
	db    *store.DB
	pol   Policies
	clock gallra.Clock
	ip    func(ctx context.Context, orgID int64, m gallra.Module) (string, error)
}

var _ gallra.PrivacyService = (*Service)(nil)

// New returns the register service over db, reading retention from pol.
func New(db *store.DB, pol Policies, cfg Config) *Service {
	s := &Service{db: db, pol: pol, clock: cfg.Clock, ip: cfg.IPStorage}
	if s.clock == nil {
		s.clock = gallra.SystemClock{}
	}
	if s.ip == nil {
		s.ip = func(context.Context, int64, gallra.Module) (string, error) { return IPFull, nil }
	}
	return s
}

// MaxNoticeVersions bounds the versions NoticeHistory lists.
const MaxNoticeVersions = 200

func active(staff *gallra.Staff) error {
	if staff == nil || !staff.Active {
		return gallra.Errorf(gallra.EFORBIDDEN, "your staff account is not active")
	}
	return nil
}

// register returns the stored register of the organisation, or an empty
// one of the default kind (public authority) when none is stored.
func (s *Service) register(ctx context.Context, orgID int64) (*gallra.PrivacyRegister, error) {
	r, err := s.db.PrivacyRegister(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if r == nil {
		r = &gallra.PrivacyRegister{OrgID: orgID, Kind: gallra.OrgKindPublic}
	}
	if r.Modules == nil {
		r.Modules = []gallra.PrivacyProcessing{}
	}
	if r.Channels == nil {
		r.Channels = []gallra.PrivacyProcessing{}
	}
	return r, nil
}

// Register implements gallra.PrivacyService.
func (s *Service) Register(ctx context.Context, staff *gallra.Staff) (*gallra.PrivacyRegister, error) {
	if err := active(staff); err != nil {
		return nil, err
	}
	return s.register(ctx, staff.OrgID)
}

const maxField = 300
const maxLongText = 2000

func cleanBi(field string, t gallra.BiText, max int) (gallra.BiText, error) {
	t.SV, t.EN = strings.TrimSpace(t.SV), strings.TrimSpace(t.EN)
	if err := gallra.ValidateText(field+".sv", t.SV, false, max); err != nil {
		return t, err
	}
	return t, gallra.ValidateText(field+".en", t.EN, false, max)
}

func cleanController(c gallra.PrivacyController) (gallra.PrivacyController, error) {
	fields := []struct {
		name string
		v    *string
	}{{"controller.name", &c.Name}, {"controller.org_number", &c.OrgNumber}, {"controller.address", &c.Address},
		{"controller.email", &c.Email}, {"controller.phone", &c.Phone}, {"controller.dpo_name", &c.DPOName},
		{"controller.dpo_email", &c.DPOEmail}, {"controller.dpo_phone", &c.DPOPhone}}
	for _, f := range fields {
		*f.v = strings.TrimSpace(*f.v)
		if err := gallra.ValidateText(f.name, *f.v, false, maxField); err != nil {
			return c, err
		}
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"controller.email", &c.Email}, {"controller.dpo_email", &c.DPOEmail}} {
		if *f.v != "" {
			if err := gallra.ValidateEmail(f.name, *f.v); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

func cleanProcessing(field string, p gallra.PrivacyProcessing) (gallra.PrivacyProcessing, error) {
	if p.Basis != "" {
		b, err := gallra.ParseLegalBasis(string(p.Basis))
		if err != nil {
			return p, gallra.Errorf(gallra.EINVALID, "%s.basis: %s", field, gallra.ErrorMessage(err))
		}
		p.Basis = b
	}
	var err error
	if p.Purpose, err = cleanBi(field+".purpose", p.Purpose, maxLongText); err != nil {
		return p, err
	}
	p.Recipients, err = cleanBi(field+".recipients", p.Recipients, maxLongText)
	return p, err
}

func isEmpty(p gallra.PrivacyProcessing) bool {
	return p.Basis == "" && p.Purpose == (gallra.BiText{}) && p.Recipients == (gallra.BiText{})
}

// UpdateRegister implements gallra.PrivacyService.
func (s *Service) UpdateRegister(ctx context.Context, staff *gallra.Staff, u gallra.PrivacyRegisterUpdate) (*gallra.PrivacyRegister, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageOrganisation); err != nil {
		return nil, err
	}
	r, err := s.register(ctx, staff.OrgID)
	if err != nil {
		return nil, err
	}
	var changed []string
	if u.Kind != nil {
		if !gallra.ValidOrgKind(*u.Kind) {
			return nil, gallra.Errorf(gallra.EINVALID, "kind must be %s or %s", gallra.OrgKindPublic, gallra.OrgKindCompany)
		}
		r.Kind = *u.Kind
		changed = append(changed, "kind")
	}
	if u.Controller != nil {
		c, err := cleanController(*u.Controller)
		if err != nil {
			return nil, err
		}
		r.Controller = c
		changed = append(changed, "controller")
	}
	if u.Security != nil {
		t, err := cleanBi("security", *u.Security, maxLongText)
		if err != nil {
			return nil, err
		}
		r.Security = t
		changed = append(changed, "security")
	}
	if u.Module != nil {
		if !u.Module.Module.Valid() {
			return nil, gallra.Errorf(gallra.EINVALID, "module must be one of forum, mail, chat, social, knowledge")
		}
		p, err := cleanProcessing("module", *u.Module)
		if err != nil {
			return nil, err
		}
		p.ChannelID = 0
		r.Modules = slices.DeleteFunc(r.Modules, func(x gallra.PrivacyProcessing) bool { return x.Module == p.Module })
		if !isEmpty(p) {
			r.Modules = append(r.Modules, p)
		}
		changed = append(changed, "module."+string(p.Module))
	}
	if u.Channel != nil {
		c, err := s.db.GetChannel(ctx, staff.OrgID, u.Channel.ChannelID)
		if err != nil {
			return nil, err
		}
		p, err := cleanProcessing("channel", *u.Channel)
		if err != nil {
			return nil, err
		}
		p.Module = c.Module
		r.Channels = slices.DeleteFunc(r.Channels, func(x gallra.PrivacyProcessing) bool { return x.ChannelID == c.ID })
		if !isEmpty(p) {
			r.Channels = append(r.Channels, p)
		}
		changed = append(changed, fmt.Sprintf("channel.%d", c.ID))
	}
	if len(changed) == 0 {
		return r, nil
	}
	out, err := s.db.SavePrivacyRegister(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: staff.ID}, r, changed)
	if err != nil {
		return nil, err
	}
	// Every notice of the organisation changes with the register: record
	// the new versions now, so that the previous ones end at the change.
	s.refreshNotices(ctx, staff.OrgID)
	return out, nil
}

// RefreshNotices records the current notice of every forum, mail and chat
// channel of the organisation in both languages, closing the versions that
// changed. The retention engine calls it after a policy change; the
// register after its own changes.
func (s *Service) RefreshNotices(ctx context.Context, orgID int64) error {
	chans, err := s.db.ListChannels(ctx, orgID, "")
	if err != nil {
		return err
	}
	for _, c := range chans {
		if !hasNotice(c.Module) {
			continue
		}
		for _, lang := range []string{"sv", "en"} {
			if _, err := s.NoticeText(ctx, orgID, c.ID, lang); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) refreshNotices(ctx context.Context, orgID int64) {
	// The change itself is saved; a failure here only delays the new
	// versions to the next time a notice is shown.
	_ = s.RefreshNotices(ctx, orgID)
}

func hasNotice(m gallra.Module) bool {
	return m == gallra.ModuleForum || m == gallra.ModuleMail || m == gallra.ModuleChat
}

// facts are what the records are derived from besides the register.
type facts struct {
	org  *gallra.Organisation
	reg  *gallra.PrivacyRegister
	ip   map[gallra.Module]string // forum and chat: how writers' IP addresses are kept
	data *store.PrivacyFacts      // nil: not read (notices)
}

func (s *Service) facts(ctx context.Context, orgID int64, withData bool) (*facts, error) {
	org, err := s.db.GetOrganisation(ctx, orgID)
	if err != nil {
		return nil, err
	}
	reg, err := s.register(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ip := map[gallra.Module]string{}
	for _, m := range []gallra.Module{gallra.ModuleForum, gallra.ModuleChat} {
		if ip[m], err = s.ip(ctx, orgID, m); err != nil {
			return nil, fmt.Errorf("read IP setting of %s: %w", m, err)
		}
	}
	f := &facts{org: org, reg: reg, ip: ip}
	if withData {
		if f.data, err = s.db.PrivacyFacts(ctx, orgID); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// controller is the register's controller with the organisation's name
// when none is given.
func (f *facts) controller() gallra.PrivacyController {
	c := f.reg.Controller
	if c.Name == "" {
		c.Name = f.org.Name
	}
	return c
}

func pick(sides ...gallra.BiText) gallra.BiText {
	var out gallra.BiText
	for _, t := range sides {
		if out.SV == "" {
			out.SV = t.SV
		}
		if out.EN == "" {
			out.EN = t.EN
		}
	}
	return out
}

// record derives one channel's processing record.
func (s *Service) record(ctx context.Context, f *facts, c *gallra.Channel) (*gallra.ProcessingRecord, error) {
	mod, ch := f.reg.Module(c.Module), f.reg.Channel(c.ID)
	rec := &gallra.ProcessingRecord{ChannelID: c.ID, ChannelName: c.Name, Module: c.Module, SensitiveKinds: []string{}}
	switch {
	case ch.Basis != "":
		rec.Basis, rec.BasisSource = ch.Basis, "channel"
	case mod.Basis != "":
		rec.Basis, rec.BasisSource = mod.Basis, "module"
	default:
		rec.Basis, rec.BasisSource = defaultBasis(f.reg.Kind, c.Module), "default"
	}
	rec.Article = rec.Basis.Article()
	rec.Purpose = pick(ch.Purpose, mod.Purpose, defaultPurpose(f.reg.Kind, c.Module))
	rec.Recipients = pick(ch.Recipients, mod.Recipients, defaultRecipients(f.reg.Kind, c.Module, f.controller().Name))

	ipMode := f.ip[c.Module]
	ipCat := ""
	switch ipMode {
	case IPFull:
		ipCat = "ip_address"
	case IPTruncated:
		ipCat = "ip_truncated"
	}
	custom := func(types ...gallra.SubjectType) bool {
		if f.data == nil {
			return false
		}
		for _, t := range types {
			if f.data.CustomFields[string(t)] {
				return true
			}
		}
		return false
	}
	switch c.Module {
	case gallra.ModuleForum:
		rec.DataSubjects = []string{"forum_writers", "staff_handlers"}
		rec.DataCategories = []string{"name", "email"}
		if ipCat != "" {
			rec.DataCategories = append(rec.DataCategories, ipCat)
		}
		rec.IPStorage = ipMode
		rec.DataCategories = append(rec.DataCategories, "post_content", "free_text_pii")
		if custom(gallra.SubjectForumTopic, gallra.SubjectPerson) {
			rec.DataCategories = append(rec.DataCategories, "custom_fields")
		}
	case gallra.ModuleMail:
		rec.DataSubjects = []string{"mail_senders", "staff_handlers"}
		rec.DataCategories = []string{"name", "email", "message_content", "attachments", "free_text_pii"}
		if custom(gallra.SubjectMailConversation, gallra.SubjectPerson) {
			rec.DataCategories = append(rec.DataCategories, "custom_fields")
		}
	case gallra.ModuleChat:
		rec.DataSubjects = []string{"chat_visitors", "staff_handlers"}
		rec.DataCategories = []string{"name", "email"}
		if ipCat != "" {
			rec.DataCategories = append(rec.DataCategories, ipCat)
		}
		rec.IPStorage = ipMode
		rec.DataCategories = append(rec.DataCategories, "chat_content", "free_text_pii")
		if custom(gallra.SubjectChatConversation, gallra.SubjectPerson) {
			rec.DataCategories = append(rec.DataCategories, "custom_fields")
		}
	case gallra.ModuleSocial:
		rec.DataSubjects = []string{"social_users", "staff_handlers"}
		rec.DataCategories = []string{"social_profile", "social_content", "free_text_pii"}
	default:
		rec.DataSubjects = []string{"article_staff"}
		rec.DataCategories = []string{"staff_name"}
	}
	rec.DataCategories = append(rec.DataCategories, "timestamps")
	if f.data != nil {
		if k := f.data.Sensitive[c.ID]; k != nil {
			rec.SensitiveKinds = k
		}
	}
	if gallra.CheckPurgedModule(c.Module) == nil {
		p, err := s.pol.ChannelPolicy(ctx, c.OrgID, c.ID)
		if err != nil {
			return nil, fmt.Errorf("read retention of channel %d: %w", c.ID, err)
		}
		rec.Retention = *p
		for _, lang := range []string{"sv", "en"} {
			t, err := retention.PolicyText(lang, c.Module, f.controller().Name, p.Policy)
			if err != nil {
				return nil, err
			}
			if lang == "sv" {
				rec.RetentionText.SV = t
			} else {
				rec.RetentionText.EN = t
			}
		}
	} else {
		rec.Retention = gallra.RetentionResolved{ChannelID: c.ID, Module: c.Module, Policy: gallra.Policy{Period: gallra.Never()}, Source: "none"}
		rec.RetentionText = gallra.BiText{
			SV: "Gallras inte automatiskt; tas bort när det tas bort i kanalen eller på begäran.",
			EN: "Not deleted automatically; removed when removed in the channel or on request.",
		}
	}
	return rec, nil
}

func (s *Service) records(ctx context.Context, f *facts) ([]gallra.ProcessingRecord, error) {
	chans, err := s.db.ListChannels(ctx, f.org.ID, "")
	if err != nil {
		return nil, err
	}
	out := make([]gallra.ProcessingRecord, 0, len(chans))
	for i := range chans {
		r, err := s.record(ctx, f, &chans[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// Records implements gallra.PrivacyService.
func (s *Service) Records(ctx context.Context, staff *gallra.Staff) ([]gallra.ProcessingRecord, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageOrganisation); err != nil {
		return nil, err
	}
	f, err := s.facts(ctx, staff.OrgID, true)
	if err != nil {
		return nil, err
	}
	return s.records(ctx, f)
}

// notice composes a channel's Art. 13 notice in lang.
func notice(lang string, f *facts, rec *gallra.ProcessingRecord) string {
	en := lang == "en"
	c := f.controller()
	var b strings.Builder
	add := func(s string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	who := c.Name
	if c.OrgNumber != "" {
		if en {
			who += " (reg. no. " + c.OrgNumber + ")"
		} else {
			who += " (org.nr " + c.OrgNumber + ")"
		}
	}
	var cats []string
	for _, k := range rec.DataCategories {
		if k == "timestamps" || k == "free_text_pii" || k == "staff_name" {
			continue
		}
		cats = append(cats, Label(k, lang))
	}
	if en {
		add(who + " is the controller of the personal data you give here.")
		add("Purpose: " + strings.TrimSuffix(rec.Purpose.EN, ".") + ".")
		add("Legal basis: " + BasisLabel(rec.Basis, lang) + ".")
		add("Data we process: " + joinList(cats, lang) + ", and any personal data you type into the text yourself.")
		if rec.IPStorage != "" {
			add("IP address: " + Label("ip."+rec.IPStorage, lang) + ".")
		}
		add("Recipients: " + rec.Recipients.EN)
		add(rec.RetentionText.EN)
	} else {
		add(who + " är personuppgiftsansvarig för de personuppgifter du lämnar här.")
		add("Ändamål: " + strings.TrimSuffix(rec.Purpose.SV, ".") + ".")
		add("Rättslig grund: " + BasisLabel(rec.Basis, lang) + ".")
		add("Uppgifter vi behandlar: " + joinList(cats, lang) + " samt personuppgifter du själv skriver i texten.")
		if rec.IPStorage != "" {
			add("IP-adress: " + Label("ip."+rec.IPStorage, lang) + ".")
		}
		add("Mottagare: " + rec.Recipients.SV)
		add(rec.RetentionText.SV)
	}
	add(rights(rec.Basis, lang))
	var contact []string
	if c.Email != "" {
		contact = append(contact, c.Email)
	}
	if c.Phone != "" {
		contact = append(contact, c.Phone)
	}
	dpo := strings.TrimSpace(strings.Join(slices.DeleteFunc([]string{c.DPOName, c.DPOEmail, c.DPOPhone}, func(s string) bool { return s == "" }), ", "))
	switch {
	case en && len(contact) > 0:
		add("Contact " + c.Name + ": " + strings.Join(contact, ", ") + ".")
	case !en && len(contact) > 0:
		add("Kontakta " + c.Name + ": " + strings.Join(contact, ", ") + ".")
	case en:
		add("To use your rights, contact " + c.Name + ".")
	default:
		add("Kontakta " + c.Name + " för att använda dina rättigheter.")
	}
	if dpo != "" {
		if en {
			add("Data protection officer: " + dpo + ".")
		} else {
			add("Dataskyddsombud: " + dpo + ".")
		}
	}
	add(authority.In(lang))
	return b.String()
}

// NoticeText implements gallra.PrivacyService: the channel's notice from
// the register and the live retention policy; each new text is recorded
// as the channel's current version (the previous one ends now).
func (s *Service) NoticeText(ctx context.Context, orgID, channelID int64, lang string) (string, error) {
	f, err := s.facts(ctx, orgID, false)
	if err != nil {
		return "", err
	}
	if lang == "" {
		lang = f.org.Language
	}
	if lang != "sv" && lang != "en" {
		return "", gallra.Errorf(gallra.EINVALID, "lang must be sv or en")
	}
	c, err := s.db.GetChannel(ctx, orgID, channelID)
	if err != nil {
		return "", err
	}
	if !hasNotice(c.Module) {
		return "", gallra.Errorf(gallra.EUNPROCESS, "%s channels have no privacy notice: they collect no personal data from visitors", c.Module)
	}
	rec, err := s.record(ctx, f, c)
	if err != nil {
		return "", err
	}
	text := notice(lang, f, rec)
	sum := sha256.Sum256([]byte(text))
	if err := s.db.RecordNotice(ctx, orgID, channelID, lang, hex.EncodeToString(sum[:]), text); err != nil {
		return "", err
	}
	return text, nil
}

// NoticeHistory implements gallra.PrivacyService: any staff user who may
// view the channel.
func (s *Service) NoticeHistory(ctx context.Context, staff *gallra.Staff, channelID int64) ([]gallra.NoticeVersion, error) {
	if err := staff.Authorize(gallra.PermViewChannel, channelID); err != nil {
		return nil, err
	}
	if _, err := s.db.GetChannel(ctx, staff.OrgID, channelID); err != nil {
		return nil, err
	}
	return s.db.NoticeVersions(ctx, staff.OrgID, channelID, MaxNoticeVersions)
}

// settingsVersion names the settings a record was made from: the
// register's version and a hash over everything the record was generated
// from except the data-derived flags.
func settingsVersion(f *facts, recs []gallra.ProcessingRecord, subs []gallra.SubProcessor, staffDays int) string {
	cp := make([]gallra.ProcessingRecord, len(recs))
	for i, r := range recs {
		r.SensitiveKinds = nil
		r.Retention.UpdatedAt = nil
		cp[i] = r
	}
	reg := *f.reg
	reg.SubProcessorsSeenAt = nil
	b, _ := json.Marshal(struct {
		Org  string
		Reg  gallra.PrivacyRegister
		Recs []gallra.ProcessingRecord
		Subs []gallra.SubProcessor
		IP   map[gallra.Module]string
		// Staff is the staff off-boarding period; omitted at the default,
		// so that records made before it existed keep their version.
		Staff int `json:",omitempty"`
	}{f.org.Name, reg, cp, subs, f.ip, staffOffboardVersion(staffDays)})
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%d-%s", f.reg.Version, hex.EncodeToString(sum[:6]))
}

// Art30 implements gallra.PrivacyService.
func (s *Service) Art30(ctx context.Context, staff *gallra.Staff) (*gallra.Art30Record, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageOrganisation); err != nil {
		return nil, err
	}
	return s.Art30ForOrg(ctx, staff.OrgID)
}

// Art30ForOrg generates the record of one organisation (the operator's CLI
// and Art30).
func (s *Service) Art30ForOrg(ctx context.Context, orgID int64) (*gallra.Art30Record, error) {
	f, err := s.facts(ctx, orgID, true)
	if err != nil {
		return nil, err
	}
	recs, err := s.records(ctx, f)
	if err != nil {
		return nil, err
	}
	subs, err := s.currentSubProcessors(ctx)
	if err != nil {
		return nil, err
	}
	days, err := s.db.StaffOffboardDays(ctx, orgID)
	if err != nil {
		return nil, err
	}
	sec := gallraSecurity
	if f.reg.Security.SV != "" {
		sec.SV += " " + f.reg.Security.SV
	}
	if f.reg.Security.EN != "" {
		sec.EN += " " + f.reg.Security.EN
	}
	return &gallra.Art30Record{
		Organisation: *f.org, Kind: f.reg.Kind, Controller: f.controller(), GeneratedAt: s.clock.Now().UTC(),
		SettingsVersion: settingsVersion(f, recs, subs, days), Processing: recs, Security: sec, SubProcessors: subs,
		Rights: allRights, Authority: authority, StaffData: staffDataText(days), StaffOffboardDays: days,
	}, nil
}

// Art15 implements gallra.PrivacyService (called by the export with no
// staff user: the export itself is authorized).
func (s *Service) Art15(ctx context.Context, orgID int64) (*gallra.Art15Info, error) {
	rec, err := s.Art30ForOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ls := make(map[string]gallra.BiText, len(labels))
	for k, v := range labels {
		ls[k] = v
	}
	for _, b := range gallra.LegalBases() {
		ls["basis."+string(b)] = gallra.BiText{SV: BasisLabel(b, "sv"), EN: BasisLabel(b, "en")}
	}
	return &gallra.Art15Info{GeneratedAt: rec.GeneratedAt, SettingsVersion: rec.SettingsVersion, Controller: rec.Controller,
		Processing: rec.Processing, Source: labels["source.subject"], Rights: allRights, Authority: authority,
		SubProcessors: rec.SubProcessors, Labels: ls}, nil
}
