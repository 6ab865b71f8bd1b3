package web

import (
	"net/http"
	"sort"

	"github.com/gallra/gallra"
)

type overviewRow struct {
	Channel gallra.Channel
	Policy  *gallra.RetentionResolved
	Due7    int
	Due30   int
	Held    int
}

type overviewData struct {
	Channels []overviewRow
	Runs     []gallra.PurgeRun
	Open     []gallra.SubjectRequest
}

// overview shows, per channel the viewer may act on, its policy and what
// becomes due within 7 and 30 days (what is due already counts: the next
// run purges it), the latest purge runs (admins) and open requests.
func (h *Handler) overview(w http.ResponseWriter, r *http.Request, v *viewer) error {
	chs, err := h.visibleChannels(r, v)
	if err != nil {
		return err
	}
	d := &overviewData{}
	for _, c := range chs {
		row := overviewRow{Channel: c}
		if h.retention != nil && purged(c.Module) {
			pv, err := h.retention.Preview(r.Context(), v.Org.ID, c.ID, nil)
			if err != nil {
				return err
			}
			p := pv.Policy
			row.Policy = &p
			row.Due7 = pv.DueNow.Count + pv.Next7Days.Count
			row.Due30 = pv.DueNow.Count + pv.Next30Days.Count
			row.Held = pv.Held.Count
		}
		d.Channels = append(d.Channels, row)
	}
	if h.retention != nil && v.Staff.Allowed(gallra.PermAudit, 0) {
		if d.Runs, err = h.retention.Runs(r.Context(), v.Org.ID, 5); err != nil {
			return err
		}
	}
	if h.requests != nil {
		list, err := h.requests.List(r.Context(), v.Staff, gallra.RequestFilter{Page: gallra.Page{Limit: 200}})
		if err != nil {
			return err
		}
		for _, q := range list {
			if q.Status.Open() {
				d.Open = append(d.Open, q)
			}
		}
		// Most urgent first.
		sort.SliceStable(d.Open, func(i, j int) bool { return d.Open[i].DueAt.Before(d.Open[j].DueAt) })
	}
	h.render(w, r, v, http.StatusOK, "overview", d)
	return nil
}
