"""Mail adapters: corporate SMTP, and a log-only mailer for when none is configured."""
