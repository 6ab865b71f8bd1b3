package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gallra/gallra"
)

// RetentionRequest is the body of PUT /api/v1/channels/{id}/retention. Give
// period (never, 30d, 1m, 3y) and action (anonymize or delete; mail and chat:
// delete), or follow_default true to drop the channel's own setting.
type RetentionRequest struct {
	Period        string `json:"period,omitempty"`
	Action        string `json:"action,omitempty" enum:"anonymize,delete"`
	FollowDefault bool   `json:"follow_default,omitempty"`
	// Reason is required when the change keeps data longer than before
	// ("never", or a longer period); kept, and named in the audit entry.
	Reason string `json:"reason,omitempty"`
}

// RetentionDefaultRequest is the body of PUT /api/v1/retention/defaults.
// follow_shipped true returns the module to the built-in default.
type RetentionDefaultRequest struct {
	Module        string `json:"module" enum:"forum,mail,chat"`
	Period        string `json:"period,omitempty"`
	Action        string `json:"action,omitempty" enum:"anonymize,delete"`
	FollowShipped bool   `json:"follow_shipped,omitempty"`
	// Reason is required when the change keeps data longer than before.
	Reason string `json:"reason,omitempty"`
}

// RetentionDefaults lists the module defaults and the operator caps.
type RetentionDefaults struct {
	Defaults []gallra.RetentionModuleDefault `json:"defaults"`
	Caps     map[string]string               `json:"caps"`
}

// PolicyTextResponse is a channel's privacy sentence.
type PolicyTextResponse struct {
	Lang       string `json:"lang"`
	PolicyText string `json:"policy_text"`
}

// HoldRequest is the body of PUT /api/v1/holds/{subject_type}/{id}.
type HoldRequest struct {
	Reason string `json:"reason"`
}

// HoldList lists legal holds.
type HoldList struct {
	Holds []gallra.Hold `json:"holds"`
}

// PurgeRunList lists purge runs.
type PurgeRunList struct {
	Runs []gallra.PurgeRun `json:"runs"`
}

// RetentionRoutes returns the retention route group for Config.Extra, bound
// to e (which carries the operator caps):
//
//	httpapi.Config{..., PolicyText: e.PublicPolicyText, Extra: []func(*httpapi.Router){httpapi.RetentionRoutes(e)}}
func RetentionRoutes(e gallra.RetentionService) func(r *Router) {
	return func(r *Router) { (&retentionAPI{s: r.s, e: e}).routes(r) }
}

type retentionAPI struct {
	s *Server
	e gallra.RetentionService
}

func (a *retentionAPI) routes(r *Router) {
	tags := []string{"retention"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/retention", Summary: "A channel's effective retention policy", Tags: tags, Auth: AuthStaff,
		Response: gallra.RetentionResolved{}, Errors: []string{gallra.EUNPROCESS}, Handler: a.getPolicy})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/channels/{id}/retention", Summary: "Set a channel's retention policy (or preview it with dry_run=true)", Tags: tags, Auth: AuthAdmin,
		Description: "Refused with 422 naming the rule when the policy is over the operator cap, never under a cap, an action the module does not support, or the channel is social or knowledge. With dry_run=true the answer is the preview of the proposed policy and nothing is saved.",
		Request:     RetentionRequest{}, Response: gallra.RetentionResolved{}, Alternatives: []any{gallra.RetentionPreview{}}, Errors: []string{gallra.EUNPROCESS}, Query: []Param{{Name: "dry_run", Type: "boolean", Description: "preview the proposed policy without saving"}},
		Handler: a.putPolicy})
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/retention/preview", Summary: "What a purge would do now and in the next 7 and 30 days", Tags: tags, Auth: AuthStaff,
		Response: gallra.RetentionPreview{}, Errors: []string{gallra.EUNPROCESS}, Handler: a.preview})
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/policy-text", Summary: "The privacy sentence the channel shows, from its real setting", Tags: tags, Auth: AuthStaff,
		Query: []Param{{Name: "lang", Type: "string", Enum: []string{"sv", "en"}, Description: "default: the organisation's language"}}, Response: PolicyTextResponse{}, Errors: []string{gallra.EUNPROCESS}, Handler: a.policyText})
	r.Handle(Route{Method: "GET", Path: "/api/v1/retention/defaults", Summary: "Module retention defaults and operator caps", Tags: tags, Auth: AuthStaff,
		Response: RetentionDefaults{}, Handler: a.getDefaults})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/retention/defaults", Summary: "Set a module's retention default", Tags: tags, Auth: AuthAdmin,
		Request: RetentionDefaultRequest{}, Response: gallra.RetentionModuleDefault{}, Errors: []string{gallra.EUNPROCESS}, Handler: a.putDefault})
	r.Handle(Route{Method: "GET", Path: "/api/v1/holds", Summary: "List legal holds", Tags: tags, Auth: AuthStaff, Response: HoldList{},
		Description: fmt.Sprintf("Oldest first, at most %d.", gallra.MaxListedHolds), Handler: a.listHolds})
	st := []Param{{Name: "subject_type", Type: "string", Enum: []string{"forum_topic", "mail_conversation", "chat_conversation"}, Required: true}}
	r.Handle(Route{Method: "PUT", Path: "/api/v1/holds/{subject_type}/{id}", Summary: "Put a topic or conversation on legal hold (skipped by every purge)", Tags: tags, Auth: AuthStaff,
		PathParams: st, Request: HoldRequest{}, Response: gallra.Hold{}, Handler: a.putHold})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/holds/{subject_type}/{id}", Summary: "Release a legal hold", Tags: tags, Auth: AuthStaff,
		PathParams: st, Description: "Releases the caller's own hold. Someone else's hold: POST .../release with a reason (administrators only).", Handler: a.deleteHold})
	r.Handle(Route{Method: "POST", Path: "/api/v1/holds/{subject_type}/{id}/release", Summary: "Release a legal hold, giving a reason", Tags: tags, Auth: AuthStaff,
		Description: "Someone else's hold may only be released by an administrator, with a reason (kept, and named in the audit entry).",
		PathParams:  st, Request: HoldRequest{}, Errors: []string{gallra.EFORBIDDEN}, Handler: a.releaseHold})
	r.Handle(Route{Method: "GET", Path: "/api/v1/purge-runs", Summary: "The newest purge runs with per-channel counts", Tags: tags, Auth: AuthAdmin,
		Query: []Param{{Name: "limit", Type: "integer", Description: "1..200, default 20"}}, Response: PurgeRunList{}, Handler: a.listRuns})
}

func (a *retentionAPI) getPolicy(w http.ResponseWriter, r *http.Request) error {
	c, err := a.pathChannel(r)
	if err != nil {
		return err
	}
	res, err := a.e.ChannelPolicy(r.Context(), c.OrgID, c.ID)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, res)
}

func (a *retentionAPI) pathChannel(r *http.Request) (*gallra.Channel, error) {
	id, err := PathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.s.channel(r.Context(), PrincipalFrom(r.Context()), id)
}

// proposed parses a request body into a policy for the channel's module (nil:
// follow the default).
func proposed(c *gallra.Channel, in RetentionRequest) (*gallra.Policy, error) {
	if in.FollowDefault {
		if in.Period != "" || in.Action != "" {
			return nil, gallra.Errorf(gallra.EINVALID, "give either follow_default or period and action")
		}
		return nil, nil
	}
	if in.Period == "" {
		return nil, gallra.Errorf(gallra.EINVALID, "period is required (never, or e.g. 30d, 1m, 3y)")
	}
	p, err := gallra.ParsePolicy(c.Module, in.Period, in.Action)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func (a *retentionAPI) putPolicy(w http.ResponseWriter, r *http.Request) error {
	c, err := a.pathChannel(r)
	if err != nil {
		return err
	}
	var in RetentionRequest
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := proposed(c, in)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if dry := r.URL.Query().Get("dry_run"); dry == "true" || dry == "1" {
		if p == nil {
			pv, err := a.previewDefault(ctx, c)
			if err != nil {
				return err
			}
			return WriteJSON(w, http.StatusOK, pv)
		}
		pv, err := a.e.Preview(ctx, c.OrgID, c.ID, p)
		if err != nil {
			return err
		}
		return WriteJSON(w, http.StatusOK, pv)
	}
	res, err := a.e.ChangeChannelPolicy(ctx, PrincipalFrom(ctx).Staff, c.ID, p, in.Reason)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, res)
}

// previewDefault previews the module default a channel would follow.
func (a *retentionAPI) previewDefault(ctx context.Context, c *gallra.Channel) (*gallra.RetentionPreview, error) {
	defs, err := a.e.Defaults(ctx, c.OrgID)
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		if d.Module == c.Module {
			p := d.Policy
			return a.e.Preview(ctx, c.OrgID, c.ID, &p)
		}
	}
	return nil, gallra.Errorf(gallra.EUNPROCESS, "%s channels have no retention policy", c.Module)
}

func (a *retentionAPI) preview(w http.ResponseWriter, r *http.Request) error {
	c, err := a.pathChannel(r)
	if err != nil {
		return err
	}
	// ?cached=true: the counts of the last purge cycle (at "at"), without
	// ids, answered without counting; otherwise counted now, with ids.
	preview := a.e.Preview
	if v := r.URL.Query().Get("cached"); v == "true" || v == "1" {
		preview = func(ctx context.Context, org, ch int64, _ *gallra.Policy) (*gallra.RetentionPreview, error) {
			return a.e.PreviewCounts(ctx, org, ch)
		}
	}
	pv, err := preview(r.Context(), c.OrgID, c.ID, nil)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, pv)
}

func (a *retentionAPI) policyText(w http.ResponseWriter, r *http.Request) error {
	c, err := a.pathChannel(r)
	if err != nil {
		return err
	}
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		org, err := a.s.svc.Organisations.GetOrganisation(r.Context(), PrincipalFrom(r.Context()).Staff)
		if err != nil {
			return err
		}
		lang = org.Language
	}
	s, err := a.e.ChannelPolicyText(r.Context(), c.OrgID, c.ID, lang)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, PolicyTextResponse{Lang: lang, PolicyText: s})
}

func (a *retentionAPI) getDefaults(w http.ResponseWriter, r *http.Request) error {
	defs, err := a.e.Defaults(r.Context(), PrincipalFrom(r.Context()).OrgID())
	if err != nil {
		return err
	}
	caps := map[string]string{}
	for m, p := range a.e.Caps() {
		caps[string(m)] = p.String()
	}
	return WriteJSON(w, http.StatusOK, RetentionDefaults{Defaults: defs, Caps: caps})
}

func (a *retentionAPI) putDefault(w http.ResponseWriter, r *http.Request) error {
	var in RetentionDefaultRequest
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	m := gallra.Module(in.Module)
	var p *gallra.Policy
	if !in.FollowShipped {
		if in.Period == "" {
			return gallra.Errorf(gallra.EINVALID, "period is required (never, or e.g. 30d, 1m, 3y)")
		}
		v, err := gallra.ParsePolicy(m, in.Period, in.Action)
		if err != nil {
			return err
		}
		p = &v
	}
	ctx := r.Context()
	pr := PrincipalFrom(ctx)
	d, err := a.e.ChangeDefault(ctx, pr.Staff, m, p, in.Reason)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d)
}

func (a *retentionAPI) listHolds(w http.ResponseWriter, r *http.Request) error {
	holds, err := a.s.svc.Holds.Holds(r.Context(), PrincipalFrom(r.Context()).Staff, 0)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, HoldList{Holds: holds})
}

// holdPath reads the subject type and id of a hold route.
func holdPath(r *http.Request) (gallra.SubjectType, int64, error) {
	id, err := PathID(r, "id")
	return gallra.SubjectType(r.PathValue("subject_type")), id, err
}

func (a *retentionAPI) putHold(w http.ResponseWriter, r *http.Request) error {
	st, id, err := holdPath(r)
	if err != nil {
		return err
	}
	var in HoldRequest
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	h, err := a.s.svc.Holds.PlaceHold(r.Context(), PrincipalFrom(r.Context()).Staff, st, id, in.Reason)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, h)
}

func (a *retentionAPI) deleteHold(w http.ResponseWriter, r *http.Request) error {
	st, id, err := holdPath(r)
	if err != nil {
		return err
	}
	if err := a.s.svc.Holds.ReleaseHold(r.Context(), PrincipalFrom(r.Context()).Staff, st, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *retentionAPI) releaseHold(w http.ResponseWriter, r *http.Request) error {
	st, id, err := holdPath(r)
	if err != nil {
		return err
	}
	var in HoldRequest
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := a.s.svc.Holds.ReleaseHoldWithReason(r.Context(), PrincipalFrom(r.Context()).Staff, st, id, in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *retentionAPI) listRuns(w http.ResponseWriter, r *http.Request) error {
	pg, err := QueryPage(r)
	if err != nil {
		return err
	}
	runs, err := a.e.Runs(r.Context(), PrincipalFrom(r.Context()).OrgID(), pg.Limit)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, PurgeRunList{Runs: runs})
}
