package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/rapportkit/rapport/internal/transport"
	"github.com/rapportkit/rapport/providers"
)

// OutOfBand is the redirect URI that makes the server show the
// authorization code to the user instead of redirecting, for command-line
// programs.
const OutOfBand = "urn:ietf:wg:oauth:2.0:oob"

// DefaultScopes are the scopes the SDK needs: reading the account, its
// followers, notifications and conversations, and writing statuses,
// favourites, reblogs and media.
var DefaultScopes = []string{"read", "write"}

// AppOptions describe an application to register on a server.
type AppOptions struct {
	// Name is shown to users on the authorization page. Required.
	Name string
	// RedirectURI is where the server sends the user back with the code;
	// empty means OutOfBand.
	RedirectURI string
	// Scopes requested; empty means DefaultScopes.
	Scopes []string
	// Website is an optional home page for the application.
	Website string
}

// App is an application registered on one server. Persist it: servers
// keep it, and registering again creates another one.
type App struct {
	// Server is the base URL of the server it is registered on.
	Server       string   `json:"server"`
	Name         string   `json:"name"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	RedirectURI  string   `json:"redirect_uri"`
	Scopes       []string `json:"scopes"`
}

// String hides the client secret.
func (a App) String() string {
	return fmt.Sprintf("App{server=%q name=%q client_id=%q secret=[redacted]}", a.Server, a.Name, a.ClientID)
}

// GoString hides the client secret from %#v too.
func (a App) GoString() string { return a.String() }

// RegisterApp registers an application on the client's server with
// POST /api/v1/apps. It needs no token.
func (c *Client) RegisterApp(ctx context.Context, o AppOptions) (App, error) {
	if strings.TrimSpace(o.Name) == "" {
		return App{}, fmt.Errorf("mastodon register-app: Name is required: %w", providers.ErrInvalidInput)
	}
	if o.RedirectURI == "" {
		o.RedirectURI = OutOfBand
	}
	if len(o.Scopes) == 0 {
		o.Scopes = DefaultScopes
	}
	body := map[string]string{
		"client_name":   o.Name,
		"redirect_uris": o.RedirectURI,
		"scopes":        strings.Join(o.Scopes, " "),
	}
	if o.Website != "" {
		body["website"] = o.Website
	}
	var app application
	// A repeated registration creates a second, unused application, which is
	// harmless, so the call is retried like a read.
	if _, err := c.tr.JSON(ctx, &transport.Request{
		Operation: "register-app", Method: http.MethodPost, Path: "api/v1/apps", JSON: body, RetrySafe: true,
	}, &app); err != nil {
		return App{}, err
	}
	if app.ClientID == "" || app.ClientSecret == "" {
		return App{}, c.malformed("register-app", "the server answered without client credentials")
	}
	redirect := app.RedirectURI
	if redirect == "" {
		redirect = o.RedirectURI
	}
	return App{
		Server: c.Server(), Name: firstNonEmpty(app.Name, o.Name), ClientID: app.ClientID,
		ClientSecret: app.ClientSecret, RedirectURI: redirect, Scopes: append([]string(nil), o.Scopes...),
	}, nil
}

// OAuth2Config returns the golang.org/x/oauth2 configuration for app on the
// client's server (/oauth/authorize and /oauth/token).
func (c *Client) OAuth2Config(app App) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     app.ClientID,
		ClientSecret: app.ClientSecret,
		RedirectURL:  app.RedirectURI,
		Scopes:       app.Scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.server.ResolveReference(&url.URL{Path: "oauth/authorize"}).String(),
			TokenURL:  c.server.ResolveReference(&url.URL{Path: "oauth/token"}).String(),
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// AuthCodeURL returns the page to send the user to, with PKCE (S256), and
// the verifier to keep for Exchange. state protects a web redirect against
// forgery; command-line programs using OutOfBand may pass any value.
func (c *Client) AuthCodeURL(app App, state string) (authURL, verifier string) {
	verifier = oauth2.GenerateVerifier()
	return c.OAuth2Config(app).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), verifier
}

// Exchange trades the authorization code the user got for an access
// token, sending the PKCE verifier from AuthCodeURL. Use the token with
// WithToken (Mastodon tokens do not expire) and keep it in a
// providers.TokenStore. A code or verifier the server rejects gives an
// error wrapping providers.ErrUnauthorized.
func (c *Client) Exchange(ctx context.Context, app App, code, verifier string) (*oauth2.Token, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return nil, fmt.Errorf("mastodon exchange: empty authorization code: %w", providers.ErrInvalidInput)
	}
	var opts []oauth2.AuthCodeOption
	if verifier != "" {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	hc := &http.Client{Transport: c.cfg.base}
	if c.cfg.base == nil {
		hc.Transport = http.DefaultTransport
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	tok, err := c.OAuth2Config(app).Exchange(ctx, code, opts...)
	if err != nil {
		return nil, exchangeError(err)
	}
	return tok, nil
}

func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		ae := &providers.APIError{
			Platform: providers.Mastodon, Operation: "exchange", Status: status,
			Code: re.ErrorCode, Message: truncate(re.ErrorDescription, 300),
		}
		if ae.Code == "" && ae.Message == "" {
			_, ae.Message = decodeError(status, nil, re.Body)
		}
		if status == http.StatusBadRequest || status == http.StatusUnauthorized {
			ae.Err = providers.ErrUnauthorized // invalid_grant, invalid_client
		}
		return ae
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("mastodon exchange: %w", err)
	}
	return &providers.APIError{Platform: providers.Mastodon, Operation: "exchange", Message: err.Error(), Err: providers.ErrUnavailable}
}
