package privacy_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/privacy"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

var ctx = context.Background()

// consentWords are what a text framed as consent says.
var consentWords = []string{"samtyck", "godkänner", "consent", "agree"}

func speaksOfConsent(s string) bool {
	l := strings.ToLower(s)
	for _, w := range consentWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

type env struct {
	db   *store.DB
	ret  *retention.Engine
	priv *privacy.Service
}

func newEnv(db *store.DB, clock gallra.Clock) *env {
	ret := retention.New(db, orgpii.New(db), retention.Config{})
	priv := privacy.New(db, ret, privacy.Config{Clock: clock})
	ret.UseNotices(priv)
	return &env{db: db, ret: ret, priv: priv}
}

// newOrg creates an organisation the operator's way (with its register and
// kind) and returns it with its channels and admin.
func newOrg(t *testing.T, db *store.DB, name, kind string) (*gallra.OrganisationSummary, *gallra.Staff, map[gallra.Module]*gallra.Channel) {
	t.Helper()
	sum, admin, _, err := db.CreateOrganisationWithAdmin(ctx, gallra.NewOrganisation{Name: name, Language: "sv", AdminName: "Admin", AdminEmail: "admin@" + strings.ToLower(strings.ReplaceAll(name, " ", "")) + ".example", Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	chans := map[gallra.Module]*gallra.Channel{}
	for _, m := range gallra.Modules() {
		c := &gallra.Channel{OrgID: sum.ID, Module: m, Name: string(m) + " " + name}
		if m == gallra.ModuleMail {
			c.Address = "support@" + strings.ToLower(strings.ReplaceAll(name, " ", "")) + ".example"
		}
		ch, err := db.CreateChannel(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}, c)
		if err != nil {
			t.Fatal(err)
		}
		chans[m] = ch
	}
	return sum, admin, chans
}

func TestDefaultBasisByKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(db, clock)
		for _, tc := range []struct {
			name, kind string
			want       map[gallra.Module]gallra.LegalBasis
			phrase     map[string]string
		}{
			{"Demo Kommun", "", map[gallra.Module]gallra.LegalBasis{gallra.ModuleForum: gallra.BasisPublicTask, gallra.ModuleMail: gallra.BasisPublicTask, gallra.ModuleChat: gallra.BasisPublicTask},
				map[string]string{"sv": "uppgift av allmänt intresse eller myndighetsutövning (artikel 6.1 e", "en": "task in the public interest or exercise of official authority (Article 6(1)(e)"}},
			{"Demo AB", gallra.OrgKindCompany, map[gallra.Module]gallra.LegalBasis{gallra.ModuleForum: gallra.BasisLegitimateInterests, gallra.ModuleMail: gallra.BasisContract, gallra.ModuleChat: gallra.BasisContract},
				map[string]string{"sv": "Rättslig grund:", "en": "Legal basis:"}},
		} {
			org, admin, chans := newOrg(t, db, tc.name, tc.kind)
			recs, err := e.priv.Records(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(gallra.Modules()) {
				t.Fatalf("%s: %d records, want one per channel", tc.name, len(recs))
			}
			for _, r := range recs {
				if w, ok := tc.want[r.Module]; ok && (r.Basis != w || r.BasisSource != "default") {
					t.Errorf("%s %s: basis %s (%s), want default %s", tc.name, r.Module, r.Basis, r.BasisSource, w)
				}
			}
			for _, m := range []gallra.Module{gallra.ModuleForum, gallra.ModuleMail, gallra.ModuleChat} {
				for lang, phrase := range tc.phrase {
					s, err := e.priv.NoticeText(ctx, org.ID, chans[m].ID, lang)
					if err != nil {
						t.Fatal(err)
					}
					if !strings.Contains(s, phrase) || !strings.Contains(s, tc.name) {
						t.Errorf("%s %s %s notice lacks %q: %s", tc.name, m, lang, phrase, s)
					}
					if speaksOfConsent(s) {
						t.Errorf("%s %s %s notice speaks of consent though the basis is %s: %s", tc.name, m, lang, tc.want[m], s)
					}
					// The retention engine's privacy sentence is the notice.
					if p, err := e.ret.ChannelPolicyText(ctx, org.ID, chans[m].ID, lang); err != nil || p != s {
						t.Errorf("ChannelPolicyText differs from the notice: %v\n%s\n%s", err, p, s)
					}
				}
			}
			if _, err := e.priv.NoticeText(ctx, org.ID, chans[gallra.ModuleKnowledge].ID, "sv"); gallra.ErrorCode(err) != gallra.EUNPROCESS {
				t.Errorf("knowledge notice: %v, want EUNPROCESS", err)
			}
			if _, err := e.priv.NoticeText(ctx, org.ID, chans[gallra.ModuleForum].ID, "de"); gallra.ErrorCode(err) != gallra.EINVALID {
				t.Errorf("lang de: %v, want EINVALID", err)
			}
			// Choosing consent is the only way to a text about consent.
			chat := chans[gallra.ModuleChat]
			if _, err := e.priv.UpdateRegister(ctx, admin, gallra.PrivacyRegisterUpdate{Channel: &gallra.PrivacyProcessing{ChannelID: chat.ID, Basis: "a"}}); err != nil {
				t.Fatal(err)
			}
			s, err := e.priv.NoticeText(ctx, org.ID, chat.ID, "en")
			if err != nil || !strings.Contains(s, "consent (Article 6(1)(a)") || !strings.Contains(s, "withdraw your consent") {
				t.Errorf("consent basis notice: %v %s", err, s)
			}
			if s, _ := e.priv.NoticeText(ctx, org.ID, chans[gallra.ModuleForum].ID, "en"); speaksOfConsent(s) {
				t.Errorf("another channel's notice follows the chat's consent: %s", s)
			}
		}
	})
}

func TestRegisterValidationAndRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(db, clock)
		f := storetest.MustFixture(t, db, "Kommunen")
		bad := []struct {
			name string
			u    gallra.PrivacyRegisterUpdate
			want string
		}{
			{"basis", gallra.PrivacyRegisterUpdate{Module: &gallra.PrivacyProcessing{Module: gallra.ModuleForum, Basis: "because"}}, "legal basis"},
			{"module", gallra.PrivacyRegisterUpdate{Module: &gallra.PrivacyProcessing{Module: "fax"}}, "module"},
			{"kind", gallra.PrivacyRegisterUpdate{Kind: ptr("church")}, "kind"},
			{"email", gallra.PrivacyRegisterUpdate{Controller: &gallra.PrivacyController{Email: "not an address"}}, "controller.email"},
			{"dpo email", gallra.PrivacyRegisterUpdate{Controller: &gallra.PrivacyController{DPOEmail: "x@"}}, "controller.dpo_email"},
			{"long purpose", gallra.PrivacyRegisterUpdate{Module: &gallra.PrivacyProcessing{Module: gallra.ModuleForum, Purpose: gallra.BiText{SV: strings.Repeat("a", 2001)}}}, "module.purpose.sv"},
		}
		for _, tc := range bad {
			_, err := e.priv.UpdateRegister(ctx, f.Admin, tc.u)
			if gallra.ErrorCode(err) != gallra.EINVALID || !strings.Contains(gallra.ErrorMessage(err), tc.want) {
				t.Errorf("%s: %v, want EINVALID naming %q", tc.name, err, tc.want)
			}
		}
		if _, err := e.priv.UpdateRegister(ctx, f.Editor, gallra.PrivacyRegisterUpdate{Kind: ptr(gallra.OrgKindCompany)}); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor changed the register: %v", err)
		}
		if _, err := e.priv.Art30(ctx, f.Editor); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor read the Art. 30 record: %v", err)
		}
		reg, err := e.priv.Register(ctx, f.Admin)
		if err != nil || reg.Version != 0 {
			t.Fatalf("nothing saved by refused changes: %+v %v", reg, err)
		}
		ctl := gallra.PrivacyController{Name: "Kommunen", OrgNumber: "212000-0000", Email: "kontakt@kommunen.example", DPOEmail: "dso@kommunen.example"}
		reg, err = e.priv.UpdateRegister(ctx, f.Admin, gallra.PrivacyRegisterUpdate{Controller: &ctl,
			Module: &gallra.PrivacyProcessing{Module: gallra.ModuleMail, Basis: "6(1)(c)", Purpose: gallra.BiText{SV: "att diarieföra inkomna handlingar"}}})
		if err != nil || reg.Version != 1 || reg.Controller.OrgNumber != "212000-0000" || reg.Module(gallra.ModuleMail).Basis != gallra.BasisLegalObligation {
			t.Fatalf("saved register: %+v %v", reg, err)
		}
		s, err := e.priv.NoticeText(ctx, f.Org.ID, f.Channels[gallra.ModuleMail].ID, "sv")
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"org.nr 212000-0000", "att diarieföra inkomna handlingar", "rättslig förpliktelse (artikel 6.1 c", "kontakt@kommunen.example", "Dataskyddsombud: dso@kommunen.example", "IMY"} {
			if !strings.Contains(s, w) {
				t.Errorf("mail notice lacks %q: %s", w, s)
			}
		}
		// The English side of a purpose left empty falls back to the default.
		en, _ := e.priv.NoticeText(ctx, f.Org.ID, f.Channels[gallra.ModuleMail].ID, "en")
		if !strings.Contains(en, "to answer and handle questions") {
			t.Errorf("en purpose fallback: %s", en)
		}
		// The audit entry names fields, never values.
		entries, err := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: "privacy.register_updated"})
		if err != nil || len(entries) != 1 {
			t.Fatalf("audit entries: %v %v", entries, err)
		}
		raw, _ := json.Marshal(entries[0].Details)
		if strings.Contains(string(raw), "kontakt@") || !strings.Contains(string(raw), "controller") {
			t.Errorf("audit details: %s", raw)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestRetentionChangeFlowsEverywhere: changing a retention period changes
// the Art. 30 record, every notice (keeping the previous version with its
// dates) and the next export's Art. 15 section, with no other edit.
func TestRetentionChangeFlowsEverywhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(db, clock)
		f := storetest.MustFixture(t, db, "Kommunen")
		forum := f.Channels[gallra.ModuleForum]
		tk := takeout.New(db, nil, takeout.Config{ArtefactDir: t.TempDir(), Privacy: e.priv})
		topic, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: forum.ID, Title: "Fråga om soptömning", Body: "Hej!",
			Author: gallra.Author{Name: "Testa Testsson", Email: "testa@example.org", IP: "192.0.2.7"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `UPDATE forum_topics SET sensitive_kinds = 'personnummer' WHERE id = ?`, topic.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}

		before, err := e.priv.Art30(ctx, f.Admin)
		if err != nil {
			t.Fatal(err)
		}
		noticeSV, _ := e.priv.NoticeText(ctx, f.Org.ID, forum.ID, "sv")
		noticeEN, _ := e.priv.NoticeText(ctx, f.Org.ID, forum.ID, "en")
		exp1 := export(t, tk, f)
		if !strings.Contains(noticeSV, "sparas i högst 3 år") || !strings.Contains(exp1.html, "sparas i högst 3 år") || !strings.Contains(exp1.art15, "sparas i högst 3 år") {
			t.Fatalf("shipped 3 years not shown:\n%s\n%s", noticeSV, exp1.art15)
		}
		var forumRec *gallra.ProcessingRecord
		for i := range before.Processing {
			if before.Processing[i].ChannelID == forum.ID {
				forumRec = &before.Processing[i]
			}
		}
		if forumRec == nil || strings.Join(forumRec.SensitiveKinds, ",") != "personnummer" {
			t.Fatalf("forum record does not flag the personnummer seen: %+v", forumRec)
		}

		clock.Advance(time.Hour)
		changedAt := clock.Now()
		if _, err := e.ret.SetChannelPolicy(ctx, f.Admin, forum.ID, &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)

		after, err := e.priv.Art30(ctx, f.Admin)
		if err != nil {
			t.Fatal(err)
		}
		if after.SettingsVersion == before.SettingsVersion {
			t.Errorf("settings version unchanged: %s", after.SettingsVersion)
		}
		for _, r := range after.Processing {
			if r.ChannelID == forum.ID && (r.RetentionText.SV != "Inlägg och kommentarer sparas i högst 1 år. Därefter raderas de." || r.Retention.Period.String() != "1y") {
				t.Errorf("Art. 30 forum retention: %+v", r.Retention)
			}
		}
		newSV, _ := e.priv.NoticeText(ctx, f.Org.ID, forum.ID, "sv")
		if newSV == noticeSV || !strings.Contains(newSV, "sparas i högst 1 år. Därefter raderas de.") {
			t.Errorf("sv notice did not follow: %s", newSV)
		}
		// Every path that shows the notice shows the new one: the English
		// text, the retention engine's privacy text (widget, forms, mail
		// acknowledgements) and the public channel page's.
		newEN, _ := e.priv.NoticeText(ctx, f.Org.ID, forum.ID, "en")
		if newEN == noticeEN || !strings.Contains(newEN, "1 year") || strings.Contains(newEN, "3 years") {
			t.Errorf("en notice did not follow: %s", newEN)
		}
		for lang, want := range map[string]string{"sv": newSV, "en": newEN} {
			if p, err := e.ret.ChannelPolicyText(ctx, f.Org.ID, forum.ID, lang); err != nil || p != want {
				t.Errorf("%s ChannelPolicyText is not the new notice: %v\n%s", lang, err, p)
			}
		}
		if p, err := e.ret.PublicPolicyText(ctx, forum); err != nil || p == nil || !strings.Contains(*p, "1 år") || strings.Contains(*p, "3 år") {
			t.Errorf("public policy text did not follow: %v %v", err, p)
		}
		// The other channels' notices are not touched by the forum's period.
		for _, m := range []gallra.Module{gallra.ModuleMail, gallra.ModuleChat} {
			if s, _ := e.priv.NoticeText(ctx, f.Org.ID, f.Channels[m].ID, "sv"); strings.Contains(s, "1 år") {
				t.Errorf("%s notice took the forum's period: %s", m, s)
			}
		}
		exp2 := export(t, tk, f)
		if !strings.Contains(exp2.art15, after.SettingsVersion) {
			t.Errorf("next export's Art. 15 is not made from the new settings (%s): %s", after.SettingsVersion, exp2.art15)
		}
		if !strings.Contains(exp2.art15, "sparas i högst 1 år") || strings.Contains(exp2.art15, "3 år") || !strings.Contains(exp2.html, "sparas i högst 1 år") {
			t.Errorf("next export's Art. 15 did not follow:\n%s", exp2.art15)
		}
		if !strings.Contains(exp2.html, "Integritetsskyddsmyndigheten") || !strings.Contains(exp2.html, "About the processing") {
			t.Errorf("export index.html lacks the Art. 15 section")
		}

		// What was promised when: both versions kept, the first ended at
		// the change (recorded by the policy change itself, not by a later
		// view).
		hist, err := e.priv.NoticeHistory(ctx, f.Admin, forum.ID)
		if err != nil {
			t.Fatal(err)
		}
		byLang := map[string][]gallra.NoticeVersion{}
		for _, v := range hist {
			byLang[v.Lang] = append(byLang[v.Lang], v)
		}
		for lang, old := range map[string]string{"sv": noticeSV, "en": noticeEN} {
			vs := byLang[lang]
			if len(vs) != 2 {
				t.Fatalf("%s: %d versions, want 2", lang, len(vs))
			}
			if vs[1].Text != old || vs[1].ValidTo == nil || !vs[1].ValidTo.Equal(changedAt) || vs[0].ValidTo != nil || !vs[0].ValidFrom.Equal(changedAt) {
				t.Errorf("%s versions: %+v", lang, vs)
			}
		}
		if _, err := e.priv.NoticeHistory(ctx, f.Editor, f.Channels[gallra.ModuleChat].ID); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor read a foreign channel's notices: %v", err)
		}
	})
}

type exported struct{ html, art15 string }

func export(t *testing.T, tk *takeout.Service, f *storetest.Fixture) exported {
	t.Helper()
	r, err := tk.Submit(ctx, f.Admin, takeout.NewRequest{Kind: gallra.RequestExport, Email: "testa@example.org",
		Attestation: takeout.Statements()[1], VerificationMethod: takeout.MethodPhoneCall})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != gallra.StatusCompleted {
		t.Fatalf("export %s", r.Status)
	}
	zr, err := zip.OpenReader(tk.ArtefactFile(r))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out exported
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		switch zf.Name {
		case "index.html":
			out.html = string(b)
		case "data.json":
			var d struct {
				Art15 json.RawMessage `json:"art15"`
			}
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatalf("data.json: %v", err)
			}
			var a gallra.Art15Info
			if err := json.Unmarshal(d.Art15, &a); err != nil || a.Rights.SV == "" || a.Authority.EN == "" || len(a.Processing) == 0 {
				t.Fatalf("data.json art15: %v %s", err, d.Art15)
			}
			out.art15 = string(d.Art15)
		}
	}
	return out
}

func TestSubProcessors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(db, clock)
		a := storetest.MustFixture(t, db, "Alfa")
		b := storetest.MustFixture(t, db, "Beta")
		for _, tc := range []struct {
			in   gallra.NewSubProcessor
			want string
		}{
			{gallra.NewSubProcessor{Name: "", Service: "x", Country: "SE"}, "name"},
			{gallra.NewSubProcessor{Name: "X", Service: "x", Country: "Sweden"}, "two-letter"},
			{gallra.NewSubProcessor{Name: "X", Service: "x", Country: "DE", Mechanism: "dpf"}, "United States"},
			{gallra.NewSubProcessor{Name: "X", Service: "x", Country: "SE", Mechanism: "scc"}, "EU/EEA"},
			{gallra.NewSubProcessor{Name: "X", Service: "x", Country: "IN", Mechanism: "adequacy"}, "no adequacy decision"},
			{gallra.NewSubProcessor{Name: "X", Service: "x", Country: "US", Mechanism: "shield"}, "mechanism"},
		} {
			if _, err := e.priv.AddSubProcessorAsOperator(ctx, tc.in); gallra.ErrorCode(err) != gallra.EINVALID || !strings.Contains(gallra.ErrorMessage(err), tc.want) {
				t.Errorf("%+v: %v, want EINVALID naming %q", tc.in, err, tc.want)
			}
		}
		subs, news, err := e.priv.SubProcessors(ctx, a.Admin)
		if err != nil || len(subs) != 0 || news {
			t.Fatalf("empty list: %v %v %v", subs, news, err)
		}
		host, err := e.priv.AddSubProcessorAsOperator(ctx, gallra.NewSubProcessor{Name: "Nordhost AB", Service: "hosting", Country: "se"})
		if err != nil || !host.EEA || host.Flagged {
			t.Fatalf("EEA entry: %+v %v", host, err)
		}
		us, err := e.priv.AddSubProcessorAsOperator(ctx, gallra.NewSubProcessor{Name: "Mailer Inc", Service: "outbound e-mail", Country: "US"})
		if err != nil || us.EEA || !us.Flagged {
			t.Fatalf("US entry without mechanism must be flagged: %+v %v", us, err)
		}
		for _, f := range []*storetest.Fixture{a, b} {
			entries, err := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: "subprocessor.added"})
			if err != nil || len(entries) != 2 || entries[0].Details["date"] != clock.Now().Format("2006-01-02") {
				t.Fatalf("org %d audit: %+v %v", f.Org.ID, entries, err)
			}
			if _, news, _ := e.priv.SubProcessors(ctx, f.Admin); !news {
				t.Errorf("org %d sees no banner after a change", f.Org.ID)
			}
		}
		clock.Advance(time.Minute)
		if err := e.priv.AcknowledgeSubProcessors(ctx, a.Editor); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor acknowledged: %v", err)
		}
		if err := e.priv.AcknowledgeSubProcessors(ctx, a.Admin); err != nil {
			t.Fatal(err)
		}
		if _, news, _ := e.priv.SubProcessors(ctx, a.Admin); news {
			t.Error("banner after acknowledgement")
		}
		if _, news, _ := e.priv.SubProcessors(ctx, b.Admin); !news {
			t.Error("acknowledgement of one organisation hid another's banner")
		}
		clock.Advance(time.Minute)
		us, err = e.priv.UpdateSubProcessorAsOperator(ctx, us.ID, gallra.NewSubProcessor{Name: "Mailer Inc", Service: "outbound e-mail", Country: "US", Mechanism: "dpf"})
		if err != nil || us.Flagged {
			t.Fatalf("with DPF: %+v %v", us, err)
		}
		if _, news, _ := e.priv.SubProcessors(ctx, a.Admin); !news {
			t.Error("a change after the acknowledgement shows no banner")
		}
		if err := e.priv.RemoveSubProcessorAsOperator(ctx, host.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.priv.RemoveSubProcessorAsOperator(ctx, host.ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("second removal: %v", err)
		}
		subs, _, _ = e.priv.SubProcessors(ctx, a.Admin)
		all, _ := e.priv.ListSubProcessorsAsOperator(ctx)
		if len(subs) != 1 || len(all) != 2 || all[0].RemovedAt == nil {
			t.Errorf("after removal: current %+v, all %+v", subs, all)
		}
		rec, err := e.priv.Art30(ctx, a.Admin)
		if err != nil || len(rec.SubProcessors) != 1 || rec.SubProcessors[0].Mechanism != "dpf" {
			t.Errorf("Art. 30 sub-processors: %+v %v", rec, err)
		}
		for _, lang := range []string{"sv", "en"} {
			var b strings.Builder
			if err := privacy.RenderArt30(&b, rec, lang); err != nil || !strings.Contains(b.String(), "Mailer Inc") || !strings.Contains(b.String(), "EU–US Data Privacy Framework") {
				t.Errorf("Art. 30 HTML %s: %v", lang, err)
			}
		}
	})
}
