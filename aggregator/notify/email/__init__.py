"""E-mail notifications: the channel (``channel.EmailChannel``) and what it needs.

settings.py   the SMTP server and what e-mails link to
addresses.py  each account's address: claimed at sign-in, sealed, verified, unsubscribed
links.py      the signed verification and unsubscribe links
catalog.py    the texts' translations (the gateway's es.po, read by path)
render.py     the templates (templates/): subject, plain text and HTML, EN/ES
compose.py    the MIME message and its headers (Message-ID, List-Unsubscribe)
smtp.py       sending with aiosmtplib; 4xx and lost connections transient, 5xx permanent
channel.py    the ``Channel`` the delivery loop drives
accounts.py   what the pages do: take the claim, send verification, follow links
setup.py      building the parts over an installation's database and keyring
"""
