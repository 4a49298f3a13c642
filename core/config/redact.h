// Redaction of secrets in text that is about to be logged or shown in an error message.
//
// redact_url() hides the password of a connection URL so the URL can still be logged to say which
// server and database are in use. It errs on the side of hiding: whatever could be the password is
// replaced, even if the URL is malformed. Pure functions; safe from any thread.
#pragma once

#include <string>

namespace moodgate::config {

// The URL with its password replaced by "***": the one in the user-info part
// (`postgresql://app:***@db:5432/moodgate`) and any `password=` parameter, as found in a query
// string or in libpq's key=value form. A URL without a password is returned unchanged.
std::string redact_url(const std::string& url);

}  // namespace moodgate::config
