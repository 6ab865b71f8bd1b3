package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gallra/gallra"
)

// InviteTTL is how long an invitation or reset link stays valid.
const InviteTTL = 7 * 24 * time.Hour

type adminData struct {
	Channels []gallra.Channel
	Staff    []gallra.Staff
	Modules  []gallra.Module
	// Link is a just-created sign-in link, shown once, and who it is for.
	Link    string
	LinkFor string
	// Offboarding is the off-boarding period and who is due;
	// OffboardInvalid and OffboardValue show a refused period again.
	Offboarding     *gallra.StaffOffboarding
	OffboardInvalid bool
	OffboardValue   string
	OffboardMin     int
	OffboardMax     int
}

func (h *Handler) adminData(r *http.Request, v *viewer) (*adminData, error) {
	chs, err := h.svc.Channels.ListChannels(r.Context(), v.Staff, "", gallra.PermManageChannels)
	if err != nil {
		return nil, err
	}
	st, err := h.svc.Staff.ListStaff(r.Context(), v.Staff)
	if err != nil {
		return nil, err
	}
	off, err := h.staffOffboarding(r.Context(), v)
	if err != nil {
		return nil, err
	}
	return &adminData{Channels: chs, Staff: st, Modules: gallra.Modules(), Offboarding: off,
		OffboardMin: gallra.MinStaffOffboardDays, OffboardMax: gallra.MaxStaffOffboardDays}, nil
}

func (h *Handler) adminPage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, err := h.adminData(r, v)
	if err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "admin", d)
	return nil
}

func (h *Handler) channelCreate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	c := gallra.NewChannel{Module: gallra.Module(r.PostFormValue("module")), Name: r.PostFormValue("name"), Address: r.PostFormValue("address")}
	if _, err := h.svc.Channels.CreateChannel(r.Context(), v.Staff, c); err != nil {
		return err
	}
	return redirect(w, r, "/admin?ok=channel_created")
}

// channelAddress gives an inbox a new address (the fix for an address
// conflict left by the move to installation-wide unique addresses).
func (h *Handler) channelAddress(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	addr := r.PostFormValue("address")
	if _, err := h.svc.Channels.UpdateChannel(r.Context(), v.Staff, id, gallra.ChannelUpdate{Address: &addr}); err != nil {
		return err
	}
	return redirect(w, r, "/admin?ok=address_set")
}

// staffInvite creates a staff user and shows a one-time sign-in link for
// them (the admin passes it on; Gallra sends no e-mail itself).
func (h *Handler) staffInvite(w http.ResponseWriter, r *http.Request, v *viewer) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	s := gallra.NewStaff{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Role: gallra.Role(r.PostFormValue("role"))}
	created, err := h.svc.Staff.CreateStaff(r.Context(), v.Staff, s)
	if err != nil {
		return err
	}
	return h.showLink(w, r, v, created, gallra.LinkInvite)
}

func (h *Handler) staffResetLink(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	s, err := h.svc.Staff.GetStaff(r.Context(), v.Staff, id)
	if err != nil {
		return err
	}
	return h.showLink(w, r, v, s, gallra.LinkReset)
}

func (h *Handler) showLink(w http.ResponseWriter, r *http.Request, v *viewer, s *gallra.Staff, purpose string) error {
	secret, err := h.svc.Staff.CreateLoginLink(r.Context(), v.Staff, s.ID, purpose, InviteTTL)
	if err != nil {
		return err
	}
	d, err := h.adminData(r, v)
	if err != nil {
		return err
	}
	d.Link, d.LinkFor = h.baseURL(r)+"/login/link/"+secret, s.Email
	h.render(w, r, v, http.StatusOK, "admin", d)
	return nil
}

// baseURL is the UI's public address that links are built from: the
// configured one (GALLRA_BASE_URL), or, when none is set, the scheme and
// Host header the browser used (which a client or a misconfigured proxy
// can forge, so operators behind a proxy must set the base URL).
func (h *Handler) baseURL(r *http.Request) string {
	if h.base != "" {
		return h.base
	}
	scheme := "http"
	if h.isSecure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (h *Handler) staffSetActive(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	active := r.PostFormValue("active") == "true"
	// Deactivating also ends the user's sessions, revokes their tokens and
	// retires their login links (the store does it, for every path).
	if _, err := h.svc.Staff.UpdateStaff(r.Context(), v.Staff, id, gallra.StaffUpdate{Active: &active}); err != nil {
		return err
	}
	return redirect(w, r, "/admin?ok=staff_updated")
}

// staffMembership sets exactly the checked channels as the staff user's
// editor memberships.
func (h *Handler) staffMembership(w http.ResponseWriter, r *http.Request, v *viewer) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "unreadable form")
	}
	var want []int64
	for _, s := range r.PostForm["channel"] {
		cid, err := strconv.ParseInt(s, 10, 64)
		if err != nil || cid <= 0 {
			return gallra.Errorf(gallra.EINVALID, "channel must be a channel id")
		}
		want = append(want, cid)
	}
	if err := h.svc.Channels.SetMemberships(r.Context(), v.Staff, id, want); err != nil {
		return err
	}
	return redirect(w, r, "/admin?ok=membership_saved")
}

// pathID reads a positive integer path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, gallra.Errorf(gallra.ENOTFOUND, "page not found")
	}
	return id, nil
}

// visibleChannels returns the channels the viewer may act on (admins: all;
// editors: theirs). The rule is ChannelService's, shared with the API.
func (h *Handler) visibleChannels(r *http.Request, v *viewer) ([]gallra.Channel, error) {
	return h.svc.Channels.ListChannels(r.Context(), v.Staff, "", gallra.PermWorkChannel)
}

// channelFor loads a channel of the viewer's organisation that they may act
// on: another organisation's answers "not found", a channel an editor is
// not a member of "forbidden".
func (h *Handler) channelFor(r *http.Request, v *viewer) (*gallra.Channel, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.svc.Channels.GetChannel(r.Context(), v.Staff, id, "", gallra.PermWorkChannel)
}
