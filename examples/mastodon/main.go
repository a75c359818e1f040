package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/mastodon"
)

// config is what the program needs to run.
type config struct {
	Server   string // base URL, or host name
	Token    string // access token; empty with Register
	Register bool   // run the app registration and authorization flow
	AppName  string // the application name shown on the authorization page
	Mentions int    // how many of the latest mentions to print
	Reply    string // when set, reply to the newest mention with this text
	// Transport is the HTTP transport (nil: the default one).
	Transport http.RoundTripper
	// Location is the time zone times are printed in (nil: local time).
	Location *time.Location
}

func main() {
	cfg := config{}
	flag.StringVar(&cfg.Server, "server", os.Getenv("MASTODON_SERVER"), "server URL (default $MASTODON_SERVER)")
	flag.StringVar(&cfg.Token, "token", os.Getenv("MASTODON_TOKEN"), "access token (default $MASTODON_TOKEN)")
	flag.BoolVar(&cfg.Register, "register", false, "register an app and authorize it, reading the code from standard input")
	flag.StringVar(&cfg.AppName, "app", "rapport example", "application name for -register")
	flag.IntVar(&cfg.Mentions, "n", 5, "number of latest mentions to print")
	flag.StringVar(&cfg.Reply, "reply", "", "reply to the newest mention with this text")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := run(ctx, cfg, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mastodon:", err)
		os.Exit(1)
	}
}

// run is the program: it reads an authorization code from in when
// registering and writes everything it reports to out.
func run(ctx context.Context, cfg config, in io.Reader, out io.Writer) error {
	if cfg.Server == "" {
		return errors.New("no server: set MASTODON_SERVER or -server")
	}
	var base []mastodon.Option
	if cfg.Transport != nil {
		base = append(base, mastodon.WithTransport(cfg.Transport))
	}
	token := cfg.Token
	if cfg.Register {
		t, err := register(ctx, cfg, base, in, out)
		if err != nil {
			return err
		}
		token = t
	}
	if token == "" {
		return errors.New("no token: set MASTODON_TOKEN or -token, or run with -register")
	}
	c, err := mastodon.New(cfg.Server, append(base, mastodon.WithToken(token))...)
	if err != nil {
		return err
	}

	self, err := c.Self(ctx)
	if err != nil {
		return fmt.Errorf("reading the account: %w", err)
	}
	fmt.Fprintf(out, "Account:   @%s (%s)\n", self.Handle, self.DisplayName)
	fmt.Fprintf(out, "Followers: %s\n", self.Followers)

	limit := max(cfg.Mentions, 1)
	var mentions []providers.Interaction
	opts := providers.InboxOptions{
		Kinds: []providers.InteractionKind{providers.Mention, providers.Reply, providers.DirectMessage},
		Limit: limit,
	}
	for in, err := range c.Interactions(ctx, opts) {
		if err != nil {
			return fmt.Errorf("reading mentions: %w", err)
		}
		mentions = append(mentions, in)
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	fmt.Fprintf(out, "Latest mentions (%d):\n", len(mentions))
	// Interactions come oldest first; print the newest first.
	for i := len(mentions) - 1; i >= 0; i-- {
		m := mentions[i]
		note := ""
		if m.Kind == providers.DirectMessage {
			note = " [direct]"
		}
		fmt.Fprintf(out, "- %s @%s%s: %s\n", m.OccurredAt.In(loc).Format("2006-01-02 15:04"), m.Author.Handle, note, indent(m.Post.Text))
	}

	if cfg.Reply == "" {
		return nil
	}
	if len(mentions) == 0 {
		return errors.New("-reply: there is no mention to reply to")
	}
	newest := mentions[len(mentions)-1]
	reply, err := c.Publish(ctx, replyDraft(newest, cfg.Reply))
	if err != nil {
		return fmt.Errorf("replying to %s: %w", newest.Post.URL, err)
	}
	fmt.Fprintf(out, "Replied to @%s: %s\n", newest.Author.Handle, reply.URL)
	return nil
}

// replyDraft answers a mention: it addresses the author, keeps the
// mention's visibility (a direct message is answered privately), and its
// idempotency key is derived from the mention and the text, so running the
// same command twice does not post twice.
func replyDraft(m providers.Interaction, text string) providers.Draft {
	sum := sha256.Sum256([]byte(m.Post.ID + "\x00" + text))
	vis := m.Post.Visibility
	if vis == providers.VisibilityPublic {
		vis = providers.VisibilityUnlisted // answers stay out of public timelines
	}
	return providers.Draft{
		Text:           "@" + m.Author.Handle + " " + text,
		ReplyTo:        m.Post.Ref,
		Visibility:     vis,
		IdempotencyKey: hex.EncodeToString(sum[:16]),
	}
}

// register registers an application, has the user authorize it, and
// returns the access token.
func register(ctx context.Context, cfg config, base []mastodon.Option, in io.Reader, out io.Writer) (string, error) {
	anon, err := mastodon.New(cfg.Server, base...)
	if err != nil {
		return "", err
	}
	app, err := anon.RegisterApp(ctx, mastodon.AppOptions{Name: cfg.AppName})
	if err != nil {
		return "", fmt.Errorf("registering the app: %w", err)
	}
	authURL, verifier := anon.AuthCodeURL(app, "rapport-example")
	fmt.Fprintln(out, "Open this page, authorize the application, and paste the code it shows:")
	fmt.Fprintln(out, authURL)
	fmt.Fprint(out, "Code: ")
	code, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && (code == "" || !errors.Is(err, io.EOF)) {
		return "", fmt.Errorf("reading the code: %w", err)
	}
	tok, err := anon.Exchange(ctx, app, strings.TrimSpace(code), verifier)
	if err != nil {
		return "", fmt.Errorf("exchanging the code: %w", err)
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "Authorized. Keep the token to skip this step next time:")
	fmt.Fprintf(out, "  export MASTODON_SERVER=%s MASTODON_TOKEN=%s\n", anon.Server(), tok.AccessToken)
	return tok.AccessToken, nil
}

// indent keeps a multi-line text under its list item.
func indent(s string) string {
	return strings.ReplaceAll(s, "\n", "\n    ")
}
