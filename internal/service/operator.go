package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
)

// OperatorConfig configures the operator service (Deps.Operator).
type OperatorConfig struct {
	// BaseURL is the UI's public address (GALLRA_BASE_URL, no trailing
	// slash) the first administrator's sign-in link is built from; empty:
	// the link is a path (/login/link/…).
	BaseURL string
	// ArtefactDir is where data-subject export ZIPs are kept
	// (takeout.Config.ArtefactDir); a deleted organisation's folder there
	// (org-<id>) is removed. Empty: nothing is removed from disk (the
	// artefact sweep removes orphaned ZIPs later).
	ArtefactDir string
	// BatchSize is how many rows one deletion transaction removes (default
	// 500).
	BatchSize int
	// TxHook, when set, runs inside each deletion batch's transaction after
	// its deletions; an error rolls the batch back and stops the deletion
	// (tests inject interruptions here).
	TxHook func(table string) error
}

// Operator implements gallra.OperatorService.
type Operator struct{ d Deps }

var _ gallra.OperatorService = (*Operator)(nil)

// CreateOrganisation implements gallra.OperatorService.
func (s *Operator) CreateOrganisation(ctx context.Context, in gallra.NewOrganisation) (*gallra.CreatedOrganisation, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.AdminName = strings.TrimSpace(in.AdminName)
	in.AdminEmail = strings.TrimSpace(in.AdminEmail)
	if in.Language == "" {
		in.Language = "sv"
	}
	if in.AdminEmail == "" {
		return nil, gallra.Errorf(gallra.EINVALID, "admin_email is required")
	}
	if in.AdminName == "" {
		return nil, gallra.Errorf(gallra.EINVALID, "admin_name is required")
	}
	if in.Kind == "" {
		in.Kind = gallra.OrgKindPublic
	}
	if !gallra.ValidOrgKind(in.Kind) {
		return nil, gallra.Errorf(gallra.EINVALID, "kind must be %s or %s", gallra.OrgKindPublic, gallra.OrgKindCompany)
	}
	org, admin, secret, err := s.d.DB.CreateOrganisationWithAdmin(ctx, in)
	if err != nil {
		return nil, err
	}
	s.d.Log.Info("operator created organisation", "org_id", org.ID, "admin_id", admin.ID)
	return &gallra.CreatedOrganisation{
		Organisation: *org, Admin: *admin, LinkSecret: secret,
		SignInLink: s.d.Operator.BaseURL + "/login/link/" + secret,
		LinkExpiry: s.d.DB.Now().Add(gallra.SetupLinkTTL),
	}, nil
}

// ListOrganisations implements gallra.OperatorService.
func (s *Operator) ListOrganisations(ctx context.Context) ([]gallra.OrganisationSummary, error) {
	return s.d.DB.OrganisationSummaries(ctx)
}

// GetOrganisation implements gallra.OperatorService.
func (s *Operator) GetOrganisation(ctx context.Context, id int64) (*gallra.OrganisationSummary, error) {
	return s.d.DB.OrganisationSummary(ctx, id)
}

// DisableOrganisation implements gallra.OperatorService.
func (s *Operator) DisableOrganisation(ctx context.Context, id int64) (*gallra.OrganisationSummary, error) {
	o, err := s.d.DB.SetOrganisationStatus(ctx, id, gallra.OrgDisabled)
	if err == nil {
		s.d.Log.Info("operator disabled organisation", "org_id", id)
	}
	return o, err
}

// EnableOrganisation implements gallra.OperatorService.
func (s *Operator) EnableOrganisation(ctx context.Context, id int64) (*gallra.OrganisationSummary, error) {
	o, err := s.d.DB.SetOrganisationStatus(ctx, id, gallra.OrgActive)
	if err == nil {
		s.d.Log.Info("operator enabled organisation", "org_id", id)
	}
	return o, err
}

// DeleteOrganisation implements gallra.OperatorService.
func (s *Operator) DeleteOrganisation(ctx context.Context, id int64, d gallra.OrganisationDeletion) (*gallra.OrganisationSummary, error) {
	org, err := s.d.DB.OrganisationSummary(ctx, id)
	if err != nil {
		return nil, err
	}
	if c := strings.TrimSpace(d.Confirm); c == "" || (c != org.Name && c != strconv.FormatInt(org.ID, 10)) {
		return nil, gallra.Errorf(gallra.EINVALID, "confirm with the organisation's exact name or its id")
	}
	started, err := s.d.DB.BeginOrganisationDeletion(ctx, id, d.OverrideHolds)
	if err != nil {
		return nil, err
	}
	if started {
		s.d.Log.Info("operator started deleting organisation", "org_id", id, "channels", org.Channels, "staff", org.Staff, "holds", org.Holds)
	}
	if d.Wait {
		if err := s.erase(ctx, id); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return s.d.DB.OrganisationSummary(ctx, id)
}

// ResumeDeletions implements gallra.OperatorService.
func (s *Operator) ResumeDeletions(ctx context.Context) (int, error) {
	ids, err := s.d.DB.DeletingOrganisations(ctx)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, id := range ids {
		if err := s.erase(ctx, id); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

// erase runs the deletion batches of an organisation being deleted until
// nothing is left, then makes the deleted data leave the database files
// (ScrubErased) and removes its export folder.
func (s *Operator) erase(ctx context.Context, id int64) error {
	var rows int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := s.d.DB.DeleteOrganisationBatch(ctx, id, s.d.Operator.BatchSize, s.d.Operator.TxHook)
		if err != nil {
			return fmt.Errorf("delete organisation %d: %w", id, err)
		}
		rows += p.Deleted
		if p.Done {
			break
		}
	}
	if dir := s.d.Operator.ArtefactDir; dir != "" {
		orgDir := filepath.Join(dir, "org-"+strconv.FormatInt(id, 10))
		if err := os.RemoveAll(orgDir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove export folder of organisation %d: %w", id, err)
		}
	}
	if err := s.d.DB.ScrubDeletedOrganisation(ctx); err != nil {
		return err
	}
	s.d.Log.Info("organisation deleted", "org_id", id, "rows", rows)
	return nil
}

// OperatorAudit implements gallra.OperatorService.
func (s *Operator) OperatorAudit(ctx context.Context, limit int, beforeSeq int64) ([]gallra.OperatorAuditEntry, error) {
	return s.d.DB.OperatorAudit(ctx, limit, beforeSeq)
}

// VerifyOperatorAudit implements gallra.OperatorService.
func (s *Operator) VerifyOperatorAudit(ctx context.Context) (gallra.AuditResult, error) {
	return s.d.DB.VerifyOperatorAudit(ctx)
}
