package gallra

import (
	"strconv"
	"strings"
	"time"
)

// MailReply is a staff reply to a mail conversation: the body and the
// recipients the staff member chose. To empty means the sender of the
// conversation's last inbound message; every address in To and Cc must be
// one of the conversation's participants (EINVALID otherwise), so a reply
// never goes silently to every address ever seen in the thread.
type MailReply struct {
	Body string
	To   []string
	Cc   []string
}

// Validate checks the body and the form of the addresses (not whether they
// take part in the conversation: the store checks that in the reply's
// transaction). Errors name the field and position, never the address.
func (r *MailReply) Validate() error {
	if err := ValidateText("body", r.Body, true, MaxBodyLen); err != nil {
		return err
	}
	if len(r.To)+len(r.Cc) > MaxRecipients {
		return Errorf(EINVALID, "to and cc have more than %d recipients", MaxRecipients)
	}
	for field, list := range map[string][]string{"to": r.To, "cc": r.Cc} {
		for i, a := range list {
			if err := ValidateEmail(field+"["+strconv.Itoa(i)+"]", a); err != nil {
				return err
			}
		}
	}
	return nil
}

// Delivery statuses of an outbound message.
const (
	DeliveryPending = "pending" // waiting for its (next) attempt
	DeliverySending = "sending" // a worker is handing it to the relay
	DeliverySent    = "sent"    // the relay accepted it
	DeliveryFailed  = "failed"  // refused for good (5xx) or given up after MaxDeliveryAge
)

// MaxDeliveryAge is how long an outbound message is retried before it is
// marked failed.
const MaxDeliveryAge = 48 * time.Hour

// MailDelivery is the delivery state of a staff reply. LastError holds an
// SMTP status code and a short reason, never an address or the relay's text.
type MailDelivery struct {
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"last_error,omitempty"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	FailedAt      *time.Time `json:"failed_at,omitempty"`
}

// LoopHeader is the header Gallra puts on the mail it sends, with the
// sending inbox's address as its value: intake recognises its own mail when
// it comes back (a loop) by that header naming one of its own inboxes.
// Another Gallra installation's mail carries its own inbox addresses, so two
// municipalities on Gallra can still write to each other.
const LoopHeader = "X-Gallra-Loop"

// ReplyToAddress returns the plus-address that routes a reply to its
// conversation: <local>+c-<key>@<domain> for the inbox address
// <local>@<domain>. It returns the inbox address unchanged when key is
// empty or the address has no @.
func ReplyToAddress(inbox, key string) string {
	at := strings.LastIndexByte(inbox, '@')
	if key == "" || at <= 0 {
		return inbox
	}
	return inbox[:at] + "+c-" + key + inbox[at:]
}

// AddressDomain returns the domain of an address (after the last @),
// lower-cased; empty when there is none.
func AddressDomain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(addr[at+1:]))
}
