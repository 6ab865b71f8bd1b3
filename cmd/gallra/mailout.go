package main

import (
	"flag"

	"github.com/gallra/gallra/internal/mailout"
)

// mailoutSettings are the outbound mail settings serve reads, as given.
type mailoutSettings struct {
	relayURL, dkimKeyFile, dkimSelector string
}

// mailoutConfig is mailoutSettings checked: no relay leaves Relay nil
// (replies wait in the outbox and fail after 48 hours).
type mailoutConfig struct {
	Relay *mailout.Relay
	DKIM  *mailout.DKIM
}

// mailoutFlags declares the outbound mail flags. The relay URL is read from
// the environment only: it holds the relay's password, and a flag would
// show it in the process list.
func mailoutFlags(env *Env, fs *flag.FlagSet) *mailoutSettings {
	s := &mailoutSettings{relayURL: env.Getenv("GALLRA_SMTP_RELAY_URL")}
	fs.StringVar(&s.dkimKeyFile, "dkim-key-file", envDefault(env, "GALLRA_DKIM_KEY_FILE", ""), "PEM private key (RSA or Ed25519) to DKIM-sign outbound mail; empty: unsigned (env GALLRA_DKIM_KEY_FILE)")
	fs.StringVar(&s.dkimSelector, "dkim-selector", envDefault(env, "GALLRA_DKIM_SELECTOR", ""), "DKIM selector the public key is published under at each inbox domain (env GALLRA_DKIM_SELECTOR)")
	return s
}

// check parses the settings; errors name the variable, never the URL (it
// may hold a password).
func (s *mailoutSettings) check() (*mailoutConfig, error) {
	c := &mailoutConfig{}
	if s.relayURL != "" {
		r, err := mailout.ParseRelayURL(s.relayURL)
		if err != nil {
			return nil, usageErr("GALLRA_SMTP_RELAY_URL: %v", err)
		}
		c.Relay = r
	}
	if s.dkimKeyFile == "" && s.dkimSelector != "" {
		return nil, usageErr("--dkim-selector (GALLRA_DKIM_SELECTOR) is set without --dkim-key-file (GALLRA_DKIM_KEY_FILE)")
	}
	if s.dkimKeyFile != "" {
		k, err := mailout.LoadDKIM(s.dkimKeyFile, s.dkimSelector)
		if err != nil {
			return nil, usageErr("--dkim-key-file (GALLRA_DKIM_KEY_FILE): %v", err)
		}
		c.DKIM = k
	}
	return c, nil
}

// sender returns the relay sender, or nil without a relay.
func (c *mailoutConfig) sender() mailout.Sender {
	if c.Relay == nil {
		return nil
	}
	return mailout.SMTPSender{Relay: c.Relay}
}
