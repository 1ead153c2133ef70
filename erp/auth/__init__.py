"""JWT login for the predecessor's front end and scripts (PREDECESSOR_API.md 2): login, refresh (rotating),
me and logout (revoking), tokens read from the access_token cookie or `Authorization: Bearer`, beside the
API's `Token` scheme and the admin's session. Built on djangorestframework-simplejwt."""
