#include "core/store/entries_repository.h"

#include <soci/soci.h>

#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/store/enum_column.h"
#include "core/store/highlights_json.h"
#include "core/store/nullable.h"
#include "core/store/sql_dialect.h"
#include "core/store/statement.h"

namespace moodgate::store {
namespace {

// The columns of one entries row as SOCI reads them (nullable ones with indicators).
struct EntryColumns {
  EntryRow row;
  std::string status, summary, sentiment, highlights, provider, model, error_code, error_message,
      pending_until;
  double score = 0;
  int positive = 0, negative = 0;
  soci::indicator summary_ind = soci::i_null, sentiment_ind = soci::i_null,
                  highlights_ind = soci::i_null, provider_ind = soci::i_null,
                  model_ind = soci::i_null, error_code_ind = soci::i_null,
                  error_message_ind = soci::i_null, pending_until_ind = soci::i_null,
                  score_ind = soci::i_null, positive_ind = soci::i_null,
                  negative_ind = soci::i_null;

  static std::string select_list(Backend b) {
    return "e.id, e.user_id, e.situation, e.thoughts, e.revision, e.analysis_status,"
           " e.analysis_summary, e.analysis_sentiment, e.analysis_score, e.analysis_highlights,"
           " e.analysis_positive_count, e.analysis_negative_count, e.analysis_provider,"
           " e.analysis_model, e.analysis_error_code, e.analysis_error_message, " +
           time_text(b, "e.analysis_pending_until") + ", " + time_text(b, "e.created_at") + ", " +
           time_text(b, "e.updated_at");
  }

  void bind(soci::statement& st) {
    st.exchange(soci::into(row.id));
    st.exchange(soci::into(row.user_id));
    st.exchange(soci::into(row.situation));
    st.exchange(soci::into(row.thoughts));
    st.exchange(soci::into(row.revision));
    st.exchange(soci::into(status));
    st.exchange(soci::into(summary, summary_ind));
    st.exchange(soci::into(sentiment, sentiment_ind));
    st.exchange(soci::into(score, score_ind));
    st.exchange(soci::into(highlights, highlights_ind));
    st.exchange(soci::into(positive, positive_ind));
    st.exchange(soci::into(negative, negative_ind));
    st.exchange(soci::into(provider, provider_ind));
    st.exchange(soci::into(model, model_ind));
    st.exchange(soci::into(error_code, error_code_ind));
    st.exchange(soci::into(error_message, error_message_ind));
    st.exchange(soci::into(pending_until, pending_until_ind));
    st.exchange(soci::into(row.created_at));
    st.exchange(soci::into(row.updated_at));
  }

  // The row just fetched; the buffers are left to be refilled by the next fetch.
  EntryRow take() {
    EntryRow out = std::move(row);
    Analysis& a = out.analysis;
    auto text = [](std::string& v, soci::indicator ind) {
      return ind == soci::i_ok ? std::move(v) : std::string();
    };
    a.status = enum_column("entries.analysis_status", status, analysis_status_from_string);
    a.summary = text(summary, summary_ind);
    a.sentiment = text(sentiment, sentiment_ind);
    a.score = score_ind == soci::i_ok ? score : 0;
    a.highlights =
        highlights_ind == soci::i_ok ? highlights_from_json(highlights) : std::vector<Highlight>{};
    a.positive_count = positive_ind == soci::i_ok ? positive : 0;
    a.negative_count = negative_ind == soci::i_ok ? negative : 0;
    a.provider = text(provider, provider_ind);
    a.model = text(model, model_ind);
    a.error_code = text(error_code, error_code_ind);
    a.error_message = text(error_message, error_message_ind);
    a.pending_until = text(pending_until, pending_until_ind);
    return out;
  }
};

// Whether `a` has a bound to store: only a pending analysis has one (the schema insists).
bool pending_bound(const Analysis& a) {
  return a.status == AnalysisStatus::kPending && !a.pending_until.empty();
}

}  // namespace

EntriesRepository::EntriesRepository(soci::session& sql) : sql_(sql), backend_(backend_of(sql)) {}

void EntriesRepository::insert(const EntryRow& entry) {
  const std::string status = to_string(entry.analysis.status);
  OptionalText pending_until(entry.analysis.pending_until, pending_bound(entry.analysis));
  sql_ << "INSERT INTO entries (id, user_id, situation, thoughts, analysis_status,"
          " analysis_pending_until, created_at, updated_at) VALUES (:id, :user_id, :situation,"
          " :thoughts, :status, " +
              time_param(backend_, "pending_until") + ", " + time_param(backend_, "created_at") +
              ", " + time_param(backend_, "updated_at") + ")",
      soci::use(entry.id, "id"), soci::use(entry.user_id, "user_id"),
      soci::use(entry.situation, "situation"), soci::use(entry.thoughts, "thoughts"),
      soci::use(status, "status"),
      soci::use(pending_until.text, pending_until.ind, "pending_until"),
      soci::use(entry.created_at, "created_at"), soci::use(entry.created_at, "updated_at");
  insert_emotions(entry.id, entry.emotions);
}

void EntriesRepository::insert_emotions(const std::string& entry_id,
                                        const std::vector<Emotion>& emotions) {
  if (emotions.empty()) return;  // SOCI refuses to bind empty vectors
  const std::size_t n = emotions.size();
  std::vector<std::string> ids(n, entry_id), names(n);
  std::vector<int> positions(n);
  std::vector<double> intensities(n);
  for (std::size_t i = 0; i < n; ++i) {
    positions[i] = static_cast<int>(i);
    names[i] = emotions[i].name;
    intensities[i] = emotions[i].intensity;
  }
  sql_ << "INSERT INTO entry_emotions (entry_id, position, name, intensity)"
          " VALUES (:entry_id, :position, :name, :intensity)",
      soci::use(ids, "entry_id"), soci::use(positions, "position"), soci::use(names, "name"),
      soci::use(intensities, "intensity");
}

std::optional<EntryRow> EntriesRepository::find(const std::string& user_id, const std::string& id) {
  EntryColumns cols;
  soci::statement st(sql_);
  cols.bind(st);
  st.exchange(soci::use(id, "id"));
  st.exchange(soci::use(user_id, "user_id"));
  st.alloc();
  st.prepare("SELECT " + EntryColumns::select_list(backend_) +
                 " FROM entries e WHERE e.id = :id AND e.user_id = :user_id",
             soci::details::st_one_time_query);
  st.define_and_bind();
  if (!st.execute(true)) return std::nullopt;
  std::vector<EntryRow> rows{cols.take()};
  load_children(rows);
  return std::move(rows.front());
}

std::vector<EntryRow> EntriesRepository::list(const std::string& user_id, const EntryFilter& filter,
                                              int limit, const std::optional<PageCursor>& after) {
  std::vector<EntryRow> rows;
  if (limit <= 0) return rows;
  std::string query = "SELECT " + EntryColumns::select_list(backend_) +
                      " FROM entries e WHERE e.user_id = :user_id";
  EntryColumns cols;
  soci::statement st(sql_);
  cols.bind(st);
  st.exchange(soci::use(user_id, "user_id"));
  if (filter.from) {
    query += " AND e.created_at >= " + time_param(backend_, "from_at");
    st.exchange(soci::use(*filter.from, "from_at"));
  }
  if (filter.to) {
    query += " AND e.created_at < " + time_param(backend_, "to_at");
    st.exchange(soci::use(*filter.to, "to_at"));
  }
  if (filter.emotion) {
    query +=
        " AND EXISTS (SELECT 1 FROM entry_emotions m WHERE m.entry_id = e.id AND m.name = "
        ":emotion)";
    st.exchange(soci::use(*filter.emotion, "emotion"));
  }
  if (after) {
    query += " AND (e.created_at, e.id) < (" + time_param(backend_, "after_at") + ", :after_id)";
    st.exchange(soci::use(after->created_at, "after_at"));
    st.exchange(soci::use(after->id, "after_id"));
  }
  query += " ORDER BY e.created_at DESC, e.id DESC LIMIT :limit";
  st.exchange(soci::use(limit, "limit"));
  st.alloc();
  st.prepare(query, soci::details::st_one_time_query);
  st.define_and_bind();
  for (bool got = st.execute(true); got; got = st.fetch()) rows.push_back(cols.take());
  load_children(rows);
  return rows;
}

void EntriesRepository::load_children(std::vector<EntryRow>& entries) {
  if (entries.empty()) return;
  std::unordered_map<std::string_view, EntryRow*> by_id;
  std::string in_list;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    by_id.emplace(entries[i].id, &entries[i]);
    in_list += (i == 0 ? ":e" : ", :e") + std::to_string(i);
  }
  // Emotions and scenarios in one round trip: kind 0 rows are emotions (name, intensity), kind
  // 1 rows scenarios (id, title, description), each in its own order.
  std::string entry_id, text1, text2, text3;
  int kind = 0;
  int position = 0;
  double intensity = 0;
  soci::indicator ind1 = soci::i_null, ind2 = soci::i_null, ind3 = soci::i_null,
                  intensity_ind = soci::i_null;
  soci::statement st(sql_);
  st.exchange(soci::into(entry_id));
  st.exchange(soci::into(kind));
  st.exchange(soci::into(position));
  st.exchange(soci::into(text1, ind1));
  st.exchange(soci::into(text2, ind2));
  st.exchange(soci::into(text3, ind3));
  st.exchange(soci::into(intensity, intensity_ind));
  // The IN list is written twice, with names of its own each time (PostgreSQL numbers every
  // placeholder occurrence).
  std::string in_list2 = in_list;
  for (std::size_t pos = 0; (pos = in_list2.find(":e", pos)) != std::string::npos; pos += 3) {
    in_list2.replace(pos, 2, ":f");
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    st.exchange(soci::use(entries[i].id, "e" + std::to_string(i)));
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    st.exchange(soci::use(entries[i].id, "f" + std::to_string(i)));
  }
  st.alloc();
  st.prepare(
      "SELECT entry_id, 0 AS kind, position, name AS t1, NULL AS t2, NULL AS t3,"
      " intensity FROM entry_emotions WHERE entry_id IN (" +
          in_list +
          ") UNION ALL SELECT entry_id, 1, position, id, title, description, NULL"
          " FROM scenarios WHERE entry_id IN (" +
          in_list2 + ") ORDER BY 1, 2, 3",
      soci::details::st_one_time_query);
  st.define_and_bind();
  for (bool got = st.execute(true); got; got = st.fetch()) {
    const auto it = by_id.find(entry_id);
    if (it == by_id.end()) continue;
    if (kind == 0) {
      it->second->emotions.push_back({std::move(text1), intensity});
    } else {
      it->second->scenarios.push_back({std::move(text1), std::move(text2), std::move(text3)});
    }
  }
}

std::optional<int> EntriesRepository::change_content(
    const std::string& user_id, const std::string& id, const EntryContentChange& change,
    AnalysisStatus analysis_status, const std::optional<std::string>& pending_until,
    const std::string& now) {
  const std::string status = to_string(analysis_status);
  OptionalText situation(change.situation);
  OptionalText thoughts(change.thoughts);
  OptionalText until(analysis_status == AnalysisStatus::kPending ? pending_until : std::nullopt);
  const long long changed = execute_counted(
      sql_,
      "UPDATE entries SET situation = COALESCE(:situation, situation),"
      " thoughts = COALESCE(:thoughts, thoughts), revision = revision + 1,"
      " analysis_status = :status, analysis_summary = NULL, analysis_sentiment = NULL,"
      " analysis_score = NULL, analysis_highlights = NULL, analysis_positive_count = NULL,"
      " analysis_negative_count = NULL, analysis_provider = NULL, analysis_model = NULL,"
      " analysis_error_code = NULL, analysis_error_message = NULL, analyzed_at = NULL,"
      " analysis_pending_until = " +
          time_param(backend_, "pending_until") + ", updated_at = " + time_param(backend_, "now") +
          " WHERE id = :id AND user_id = :user_id",
      soci::use(situation.text, situation.ind, "situation"),
      soci::use(thoughts.text, thoughts.ind, "thoughts"), soci::use(status, "status"),
      soci::use(until.text, until.ind, "pending_until"), soci::use(now, "now"), soci::use(id, "id"),
      soci::use(user_id, "user_id"));
  if (changed == 0) return std::nullopt;
  if (change.emotions) {
    sql_ << "DELETE FROM entry_emotions WHERE entry_id = :id", soci::use(id, "id");
    insert_emotions(id, *change.emotions);
  }
  int revision = 0;
  sql_ << "SELECT revision FROM entries WHERE id = :id", soci::use(id, "id"), soci::into(revision);
  return revision;
}

bool EntriesRepository::set_analysis(const std::string& id, int revision, const Analysis& a,
                                     const std::string& now) {
  const std::string status = to_string(a.status);
  const bool ready = a.status == AnalysisStatus::kReady;
  const bool failed = a.status == AnalysisStatus::kFailed;
  OptionalText summary(a.summary, ready);
  OptionalText sentiment(a.sentiment, ready);
  OptionalText highlights(ready ? highlights_json(a.highlights) : "", ready);
  OptionalText provider(a.provider, !a.provider.empty());
  OptionalText model(a.model, !a.model.empty());
  OptionalText error_code(a.error_code, failed);
  OptionalText error_message(a.error_message, failed);
  double score = a.score;
  int positive = a.positive_count;
  int negative = a.negative_count;
  const soci::indicator number_ind = ready ? soci::i_ok : soci::i_null;
  soci::indicator score_ind = number_ind, positive_ind = number_ind, negative_ind = number_ind;
  OptionalText analyzed_at(now, ready || failed);
  OptionalText pending_until(a.pending_until, pending_bound(a));
  return execute_counted(
             sql_,
             "UPDATE entries SET analysis_status = :status, analysis_summary = :summary,"
             " analysis_sentiment = :sentiment, analysis_score = :score,"
             " analysis_highlights = :highlights, analysis_positive_count = :positive,"
             " analysis_negative_count = :negative, analysis_provider = :provider,"
             " analysis_model = :model, analysis_error_code = :error_code,"
             " analysis_error_message = :error_message, analyzed_at = " +
                 time_param(backend_, "analyzed_at") +
                 ", analysis_pending_until = " + time_param(backend_, "pending_until") +
                 ", updated_at = " + time_param(backend_, "now") +
                 " WHERE id = :id AND revision = :revision",
             soci::use(status, "status"), soci::use(summary.text, summary.ind, "summary"),
             soci::use(sentiment.text, sentiment.ind, "sentiment"),
             soci::use(score, score_ind, "score"),
             soci::use(highlights.text, highlights.ind, "highlights"),
             soci::use(positive, positive_ind, "positive"),
             soci::use(negative, negative_ind, "negative"),
             soci::use(provider.text, provider.ind, "provider"),
             soci::use(model.text, model.ind, "model"),
             soci::use(error_code.text, error_code.ind, "error_code"),
             soci::use(error_message.text, error_message.ind, "error_message"),
             soci::use(analyzed_at.text, analyzed_at.ind, "analyzed_at"),
             soci::use(pending_until.text, pending_until.ind, "pending_until"),
             soci::use(now, "now"), soci::use(id, "id"), soci::use(revision, "revision")) > 0;
}

long long EntriesRepository::fail_overdue_analyses(const std::string& now,
                                                   const std::string& unbounded_before,
                                                   const std::string& error_code,
                                                   const std::string& error_message) {
  // `analysis_status = 'pending'` as written lets both databases read the partial index
  // entries_pending_analysis_idx. On PostgreSQL a row another instance failed (or an answer
  // stored) first is re-checked after its lock is released and no longer matches.
  return execute_counted(
      sql_,
      "UPDATE entries SET analysis_status = 'failed', analysis_error_code = :error_code,"
      " analysis_error_message = :error_message, analysis_pending_until = NULL, analyzed_at = " +
          time_param(backend_, "analyzed_at") +
          ", updated_at = " + time_param(backend_, "updated_at") +
          " WHERE analysis_status = 'pending' AND (analysis_pending_until < " +
          time_param(backend_, "now") + " OR (analysis_pending_until IS NULL AND updated_at < " +
          time_param(backend_, "unbounded_before") + "))",
      soci::use(error_code, "error_code"), soci::use(error_message, "error_message"),
      soci::use(now, "analyzed_at"), soci::use(now, "updated_at"), soci::use(now, "now"),
      soci::use(unbounded_before, "unbounded_before"));
}

void EntriesRepository::replace_scenarios(const std::string& id,
                                          const std::vector<Scenario>& scenarios,
                                          const std::string& now) {
  sql_ << "DELETE FROM scenarios WHERE entry_id = :id", soci::use(id, "id");
  if (!scenarios.empty()) {
    const std::size_t n = scenarios.size();
    std::vector<std::string> ids(n), entry_ids(n, id), titles(n), descriptions(n), times(n, now);
    std::vector<int> positions(n);
    for (std::size_t i = 0; i < n; ++i) {
      ids[i] = scenarios[i].id;
      titles[i] = scenarios[i].title;
      descriptions[i] = scenarios[i].description;
      positions[i] = static_cast<int>(i);
    }
    sql_ << "INSERT INTO scenarios (id, entry_id, position, title, description, created_at)"
            " VALUES (:id, :entry_id, :position, :title, :description, " +
                time_param(backend_, "created_at") + ")",
        soci::use(ids, "id"), soci::use(entry_ids, "entry_id"), soci::use(positions, "position"),
        soci::use(titles, "title"), soci::use(descriptions, "description"),
        soci::use(times, "created_at");
  }
  sql_ << "UPDATE entries SET updated_at = " + time_param(backend_, "now") + " WHERE id = :id",
      soci::use(now, "now"), soci::use(id, "id");
}

bool EntriesRepository::remove(const std::string& user_id, const std::string& id) {
  return execute_counted(sql_, "DELETE FROM entries WHERE id = :id AND user_id = :user_id",
                         soci::use(id, "id"), soci::use(user_id, "user_id")) > 0;
}

}  // namespace moodgate::store
