package takeout

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// OpenArtefact opens the export ZIP of a completed export request for staff
// who may act on all its channels; the caller closes the file. Every
// download is audited. ENOTFOUND when the artefact has expired or the
// request has none.
func (s *Service) OpenArtefact(ctx context.Context, staff *gallra.Staff, id int64) (*os.File, *store.SubjectRequest, error) {
	r, err := s.Get(ctx, staff, id)
	if err != nil {
		return nil, nil, err
	}
	if r.Artefact == nil || r.Artefact.Path == "" {
		return nil, nil, gallra.Errorf(gallra.ENOTFOUND, "request %d has no downloadable artefact (not an export, not finished, or expired)", id)
	}
	f, err := os.Open(r.Artefact.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, gallra.Errorf(gallra.ENOTFOUND, "the artefact of request %d is no longer on disk", id)
	} else if err != nil {
		return nil, nil, fmt.Errorf("open artefact of request %d: %w", id, err)
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		return tx.Audit(ctx, r.OrgID, staffActor(staff), "request.artefact_downloaded", "subject_request", r.ID, map[string]any{"size": r.Artefact.Size})
	})
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, r, nil
}

// ExpireArtefacts deletes every export artefact past its expiry (all
// organisations), reduces those requests' e-mail to the keyed hash, audits
// each, and returns how many it expired. Safe to run concurrently and again
// after a crash: a file already gone counts as deleted.
func (s *Service) ExpireArtefacts(ctx context.Context) (int, error) {
	total := 0
	for {
		list, err := s.db.ExpiredArtefacts(ctx, 100)
		if err != nil {
			return total, err
		}
		if len(list) == 0 {
			return total, nil
		}
		for _, r := range list {
			if err := ctx.Err(); err != nil {
				return total, err
			}
			if err := os.Remove(r.Artefact.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return total, fmt.Errorf("delete artefact of request %d: %w", r.ID, err)
			}
			err := s.db.Update(ctx, func(tx *store.Tx) error {
				cur, err := tx.LockSubjectRequest(ctx, r.OrgID, r.ID)
				if err != nil {
					return err
				}
				if cur.Artefact == nil || cur.Artefact.Path == "" {
					return nil
				}
				now := tx.Now
				cur.Artefact.Path, cur.Artefact.DeletedAt, cur.Email = "", &now, ""
				if err := tx.SaveSubjectRequest(ctx, cur); err != nil {
					return err
				}
				return tx.Audit(ctx, r.OrgID, gallra.Actor{Type: gallra.ActorSystem}, "request.artefact_expired", "subject_request", r.ID, nil)
			})
			if err != nil {
				return total, err
			}
			total++
		}
	}
}
