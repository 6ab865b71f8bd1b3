package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/privacy"
)

// The privacy register's pages (docs/privacy-register.md): the register
// settings, each channel's notice preview, the sub-processors with the
// change banner, and the Art. 30 record (printable page, HTML and JSON
// downloads, Swedish and English). Every rule is gallra.PrivacyService's.

func (h *Handler) privacyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /privacy", h.permitted(gallra.PermManageOrganisation, h.privacyPage))
	mux.Handle("POST /privacy", h.permitted(gallra.PermManageOrganisation, h.privacySave))
	mux.Handle("POST /privacy/modules/{module}", h.permitted(gallra.PermManageOrganisation, h.privacyModuleSave))
	mux.Handle("POST /privacy/subprocessors/acknowledge", h.permitted(gallra.PermManageOrganisation, h.privacyAck))
	mux.Handle("GET /privacy/art30", h.permitted(gallra.PermManageOrganisation, h.art30Page))
}

func (h *Handler) privacySvc() (gallra.PrivacyService, error) {
	if h.svc.Privacy == nil {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "page not found")
	}
	return h.svc.Privacy, nil
}

type noticePreview struct {
	Channel gallra.ProcessingRecord
	SV, EN  string
}

func (h *Handler) privacyPage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	p, err := h.privacySvc()
	if err != nil {
		return err
	}
	ctx := r.Context()
	reg, err := p.Register(ctx, v.Staff)
	if err != nil {
		return err
	}
	recs, err := p.Records(ctx, v.Staff)
	if err != nil {
		return err
	}
	subs, changed, err := p.SubProcessors(ctx, v.Staff)
	if err != nil {
		return err
	}
	var notices []noticePreview
	modules := map[gallra.Module]gallra.ProcessingRecord{}
	for _, rec := range recs {
		if _, ok := modules[rec.Module]; !ok {
			modules[rec.Module] = rec
		}
		if rec.Module != gallra.ModuleForum && rec.Module != gallra.ModuleMail && rec.Module != gallra.ModuleChat {
			continue
		}
		sv, err := p.NoticeText(ctx, v.Org.ID, rec.ChannelID, "sv")
		if err != nil {
			return err
		}
		en, err := p.NoticeText(ctx, v.Org.ID, rec.ChannelID, "en")
		if err != nil {
			return err
		}
		notices = append(notices, noticePreview{Channel: rec, SV: sv, EN: en})
	}
	type moduleRow struct {
		Module  gallra.Module
		Setting gallra.PrivacyProcessing
		Example *gallra.ProcessingRecord
	}
	var mods []moduleRow
	for _, m := range gallra.Modules() {
		row := moduleRow{Module: m, Setting: reg.Module(m)}
		if ex, ok := modules[m]; ok {
			row.Example = &ex
		}
		mods = append(mods, row)
	}
	lang := language(r, v)
	labels := func(keys []string) string {
		out := ""
		for i, k := range keys {
			if i > 0 {
				out += ", "
			}
			out += privacy.Label(k, lang)
		}
		return out
	}
	type recRow struct {
		gallra.ProcessingRecord
		BasisText, Categories, Retention string
	}
	var rows []recRow
	for _, rec := range recs {
		rows = append(rows, recRow{ProcessingRecord: rec, BasisText: privacy.BasisLabel(rec.Basis, lang), Categories: labels(rec.DataCategories), Retention: rec.RetentionText.In(lang)})
	}
	h.render(w, r, v, http.StatusOK, "privacy", map[string]any{
		"Register": reg, "Records": rows, "Notices": notices, "Modules": mods, "Subs": subs, "Changed": changed,
		"Bases": gallra.LegalBases(), "Kinds": []string{gallra.OrgKindPublic, gallra.OrgKindCompany},
	})
	return nil
}

func (h *Handler) privacySave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	p, err := h.privacySvc()
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	f := r.PostFormValue
	kind := f("kind")
	c := gallra.PrivacyController{Name: f("name"), OrgNumber: f("org_number"), Address: f("address"), Email: f("email"), Phone: f("phone"),
		DPOName: f("dpo_name"), DPOEmail: f("dpo_email"), DPOPhone: f("dpo_phone")}
	sec := gallra.BiText{SV: f("security_sv"), EN: f("security_en")}
	if _, err := p.UpdateRegister(r.Context(), v.Staff, gallra.PrivacyRegisterUpdate{Kind: &kind, Controller: &c, Security: &sec}); err != nil {
		return err
	}
	return redirect(w, r, "/privacy?ok=privacy_saved")
}

func (h *Handler) privacyModuleSave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	p, err := h.privacySvc()
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	f := r.PostFormValue
	m := gallra.PrivacyProcessing{Module: gallra.Module(r.PathValue("module")), Basis: gallra.LegalBasis(f("basis")),
		Purpose: gallra.BiText{SV: f("purpose_sv"), EN: f("purpose_en")}, Recipients: gallra.BiText{SV: f("recipients_sv"), EN: f("recipients_en")}}
	if _, err := p.UpdateRegister(r.Context(), v.Staff, gallra.PrivacyRegisterUpdate{Module: &m}); err != nil {
		return err
	}
	return redirect(w, r, "/privacy?ok=privacy_saved#module-"+string(m.Module))
}

func (h *Handler) privacyAck(w http.ResponseWriter, r *http.Request, v *viewer) error {
	p, err := h.privacySvc()
	if err != nil {
		return err
	}
	if err := p.AcknowledgeSubProcessors(r.Context(), v.Staff); err != nil {
		return err
	}
	return redirect(w, r, "/privacy?ok=subprocessors_acknowledged")
}

// art30Page serves the record: ?lang=sv|en, ?format=json for the JSON
// file, ?download=1 for the HTML file.
func (h *Handler) art30Page(w http.ResponseWriter, r *http.Request, v *viewer) error {
	p, err := h.privacySvc()
	if err != nil {
		return err
	}
	rec, err := p.Art30(r.Context(), v.Staff)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	lang := q.Get("lang")
	if lang != "sv" && lang != "en" {
		lang = language(r, v)
	}
	name := fmt.Sprintf("art30-org%d-%s", v.Org.ID, rec.GeneratedAt.Format("2006-01-02"))
	if q.Get("format") == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rec)
	}
	var buf bytes.Buffer
	if err := privacy.RenderArt30(&buf, rec, lang); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The standalone page carries its own inline style sheet.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	if q.Get("download") != "" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`-`+lang+`.html"`)
	}
	_, err = w.Write(buf.Bytes())
	return err
}
