package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/oauthlab/oauthlab/authserver/internal/oauth"
)

type appView struct {
	ClientID, ClientName, GrantedAt string
	Scopes                          []scopeView
}

// handleAccount lists the apps the user has granted access ("connected
// apps"), each with its scopes and when.
func handleAccount(s *oauth.Server, sess sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, signedIn, err := sess.user(c)
		if err != nil {
			return err
		}
		if !signedIn {
			return c.Redirect(http.StatusFound, "/login?return_to=%2Faccount")
		}
		consents, err := s.Store.Consents(c.Request().Context(), user.Subject)
		if err != nil {
			return err
		}
		apps := make([]appView, 0, len(consents))
		for _, cs := range consents {
			apps = append(apps, appView{
				ClientID: cs.ClientID, ClientName: cs.ClientName,
				GrantedAt: cs.GrantedAt.Format("2 Jan 2006 15:04 UTC"), Scopes: describeScopes(s, cs.Scopes),
			})
		}
		return render(c, http.StatusOK, "account", map[string]any{
			"Title": "Connected apps", "UserName": user.DisplayName, "Apps": apps,
		})
	}
}

// handleAccountRevoke takes an app's access away in one click: the consent
// is forgotten and every grant revoked, so its refresh tokens stop working
// and introspection reports its access tokens inactive at once.
func handleAccountRevoke(s *oauth.Server, sess sessions) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, signedIn, err := sess.user(c)
		if err != nil {
			return err
		}
		if !signedIn {
			return c.Redirect(http.StatusSeeOther, "/login?return_to=%2Faccount")
		}
		clientID := c.FormValue("client_id")
		if clientID == "" || len(clientID) > 200 {
			return renderError(c, http.StatusBadRequest, "No app was chosen.")
		}
		if err := s.Store.RevokeConsent(c.Request().Context(), user.Subject, clientID, s.Now()); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/account")
	}
}
