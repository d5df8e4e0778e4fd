//! Search: the full-text index of the stored articles, so that a filtered feed page costs the
//! same whether its query matches every article or none.
//!
//! One tantivy document per stored article (in `<store>/search-v1`, beside sled): its own text
//! (title, summary and body text, tokenized as words, lower-cased and folded to ASCII, so
//! `hau giang` finds `Hậu Giang` and `Đ` finds `D`), its
//! adjacent word pairs (what phrases are looked up by), its own source, category and date, and
//! its story's: the representative's key and date, the
//! sources of every copy and the representative's category. A unified page asks the story
//! fields, a source's page the article's own.
//!
//! The store is the truth and this index follows it: an article write marks the article's key
//! in the store's `pending` tree in the same transaction; [`super::Store::flush`] indexes what
//! is pending, commits, and clears it, so a kill at any moment leaves keys to index again and
//! nothing missed. An index that is missing, damaged, or was never completed is rebuilt from
//! the store when it is opened.
//!
//! It must not decide what is shown: it only finds keys, in feed order; the store reads the
//! articles and builds the entries.

use std::collections::HashSet;
use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;

use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, PreTokenizedStream, PreTokenizedString, RemoveLongFilter,
    SimpleTokenizer, TextAnalyzer, Token, Tokenizer,
};
use tantivy::{Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term};

use super::{Cursor, Scope, StoreError};

/// The index's directory under the store's: a new schema gets a new name (and a rebuild).
pub(super) const DIRECTORY: &str = "search-v1";
/// Commit payload of an index that holds every stored article.
const COMPLETE: &str = "portalfeed-search-v1 complete";
/// The tokenizer of the `text` field.
const FOLDED: &str = "folded";
/// The tokenizer of the `pairs` field.
const PAIRS: &str = "folded-pairs";
/// Memory the indexer may use before it writes a segment (tantivy's minimum for one thread).
const WRITER_BYTES: usize = 15_000_000;
/// The first window of time a page is looked for in (a day), widened eightfold at a time.
const WINDOW_SECONDS: i64 = 86_400;
/// Words longer than this (bytes) are not indexed: they are base64 or URLs, not words.
const LONGEST_WORD: usize = 40;

/// What feed pages may ask besides their scope and position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Words and `"quoted phrases"` every entry must contain, in any case, with or without
    /// diacritics.
    pub q: Option<String>,
    /// A category (any case, any diacritics). The articles of `category_sources` (the sources
    /// of a province of that name) count as in it too.
    pub category: Option<String>,
    pub category_sources: Vec<String>,
    /// Only articles (unified: stories) one of these sources carried.
    pub sources: Option<Vec<String>>,
}

impl Filter {
    /// Whether it lets every article through.
    pub fn is_empty(&self) -> bool {
        self.q.as_deref().is_none_or(|q| q.trim().is_empty())
            && self.category.is_none()
            && self.sources.is_none()
    }
}

/// One article as indexed.
pub(super) struct Entry<'a> {
    pub key: &'a str,
    pub source: &'a str,
    pub category: Option<&'a str>,
    pub published: i64,
    pub text: String,
    pub story: &'a str,
    pub story_published: i64,
    pub story_sources: Vec<&'a str>,
    pub story_category: Option<&'a str>,
}

struct Fields {
    key: Field,
    source: Field,
    category: Field,
    published: Field,
    text: Field,
    /// The text's adjacent word pairs, with positions: what phrases are looked up by.
    pairs: Field,
    story: Field,
    story_published: Field,
    story_sources: Field,
    story_category: Field,
}

/// The open index.
pub(super) struct SearchIndex {
    fields: Fields,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    reader: IndexReader,
    /// Whether it holds every stored article (else the store rebuilds it).
    complete: std::sync::atomic::AtomicBool,
}

impl SearchIndex {
    /// Opens the index under `store_dir`, starting an empty one when it is missing, of another
    /// schema, or unreadable.
    pub fn open(store_dir: &Path) -> Result<SearchIndex, StoreError> {
        let dir = store_dir.join(DIRECTORY);
        match SearchIndex::open_in(&dir) {
            Ok(index) => Ok(index),
            Err(e) => {
                tracing::warn!(
                    "search index {} unreadable ({e}); rebuilding it",
                    dir.display()
                );
                std::fs::remove_dir_all(&dir).map_err(|source| StoreError::Open {
                    dir: dir.clone(),
                    source,
                })?;
                SearchIndex::open_in(&dir)
            }
        }
    }

    fn open_in(dir: &Path) -> Result<SearchIndex, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Open {
            dir: dir.to_path_buf(),
            source,
        })?;
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir).map_err(search_error)?;
        let index = Index::open_or_create(directory, schema)?;
        index.tokenizers().register(FOLDED, Words::new(false));
        index.tokenizers().register(PAIRS, Words::new(true));
        let complete = index.load_metas()?.payload.as_deref() == Some(COMPLETE);
        let writer = index.writer_with_num_threads(1, WRITER_BYTES)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            fields,
            writer: Mutex::new(writer),
            reader,
            complete: complete.into(),
        })
    }

    /// Replaces the document of `entry.key`.
    pub fn put(&self, entry: &Entry<'_>) -> Result<(), StoreError> {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, entry.key);
        doc.add_text(f.source, entry.source);
        if let Some(category) = entry.category {
            doc.add_text(f.category, fold(category));
        }
        doc.add_i64(f.published, entry.published);
        // Given as text and analysed by the fields' tokenizers ([`Words`]): a pre-tokenized
        // value would be kept as JSON in the document and parsed back when indexed.
        doc.add_text(f.text, &entry.text);
        doc.add_text(f.pairs, &entry.text);
        doc.add_text(f.story, entry.story);
        doc.add_i64(f.story_published, entry.story_published);
        for source in &entry.story_sources {
            doc.add_text(f.story_sources, source);
        }
        if let Some(category) = entry.story_category {
            doc.add_text(f.story_category, fold(category));
        }
        let writer = self.writer();
        writer.delete_term(Term::from_field_text(f.key, entry.key));
        writer.add_document(doc)?;
        Ok(())
    }

    /// Drops the document of `key`.
    pub fn remove(&self, key: &str) {
        self.writer()
            .delete_term(Term::from_field_text(self.fields.key, key));
    }

    /// Drops every document (before a rebuild).
    pub fn clear(&self) -> Result<(), StoreError> {
        self.writer().delete_all_documents()?;
        Ok(())
    }

    /// Makes what was put durable and visible to searches; the index now holds every article.
    pub fn commit(&self) -> Result<(), StoreError> {
        {
            let mut writer = self.writer();
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(COMPLETE);
            prepared.commit()?;
        }
        self.complete
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.reader.reload()?;
        Ok(())
    }

    /// Whether it holds every stored article (else the store rebuilds it).
    pub fn is_complete(&self) -> bool {
        self.complete.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter<TantivyDocument>> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The keys of one feed page, in feed order (newest first, or oldest first after an
    /// `after` cursor): unified pages give story representatives, a source's page its own
    /// articles. Up to `limit + 1`, so the caller knows whether more exist.
    pub fn page(
        &self,
        scope: Scope<'_>,
        filter: &Filter,
        before: Option<&Cursor>,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let f = &self.fields;
        let unified = matches!(scope, Scope::All);
        let (date_field, date_name, key_field) = if unified {
            (f.story_published, "story_published", f.story)
        } else {
            (f.published, "published", f.key)
        };
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        if let Scope::Source(id) = scope {
            clauses.push(term(f.source, id));
        }
        let sources_field = if unified { f.story_sources } else { f.source };
        if let Some(sources) = &filter.sources {
            clauses.push(any_of(sources_field, sources));
        }
        if let Some(category) = &filter.category {
            let category_field = if unified {
                f.story_category
            } else {
                f.category
            };
            let mut either = vec![term(category_field, &fold(category))];
            if !filter.category_sources.is_empty() {
                either.push(any_of(sources_field, &filter.category_sources));
            }
            clauses.push(Box::new(BooleanQuery::new(
                either.into_iter().map(|q| (Occur::Should, q)).collect(),
            )));
        }
        if let Some(q) = &filter.q {
            clauses.extend(self.text_queries(q));
        }
        let ascending = after.is_some();
        let order = || if ascending { Order::Asc } else { Order::Desc };
        let bound =
            |cursor: &Cursor| Bound::Included(Term::from_field_i64(date_field, cursor.time()));
        match (after, before) {
            (Some(after), _) => {
                clauses.push(Box::new(RangeQuery::new(bound(after), Bound::Unbounded)))
            }
            (None, Some(before)) => {
                clauses.push(Box::new(RangeQuery::new(Bound::Unbounded, bound(before))))
            }
            (None, None) => {}
        }
        // Keeps the positions on the right side of the cursor (the range above is whole
        // seconds; the cursor also orders by key).
        let beyond = |position: &[u8]| match (after, before) {
            (Some(after), _) => position > after.0.as_slice(),
            (None, Some(before)) => position < before.0.as_slice(),
            (None, None) => true,
        };
        let want = limit.saturating_add(1);
        let searcher = self.reader.searcher();
        // Dates the index holds, to know when a window covers them all.
        let (mut oldest, mut newest) = (i64::MAX, i64::MIN);
        for segment in searcher.segment_readers() {
            if segment.num_docs() > 0 {
                let column = segment.fast_fields().i64(date_name)?;
                oldest = oldest.min(column.min_value());
                newest = newest.max(column.max_value());
            }
        }
        if oldest > newest {
            return Ok(Vec::new());
        }
        // The page is looked for in a window of time next to its cursor (the newest day, then
        // 8, 64, 512 days…), widened until it holds the page or everything: a common word's
        // page is found among the newest articles instead of ordering every article that has
        // it; a rare one widens to all, whose lists are short.
        let start = match (after, before) {
            (Some(after), _) => after.time(),
            (None, Some(before)) => before.time(),
            (None, None) => newest,
        };
        let mut span: i64 = WINDOW_SECONDS;
        loop {
            let (window, whole) = if ascending {
                let end = start.saturating_add(span);
                (
                    RangeQuery::new(
                        Bound::Unbounded,
                        Bound::Included(Term::from_field_i64(date_field, end)),
                    ),
                    end >= newest,
                )
            } else {
                let from = start.saturating_sub(span);
                (
                    RangeQuery::new(
                        Bound::Included(Term::from_field_i64(date_field, from)),
                        Bound::Unbounded,
                    ),
                    from <= oldest,
                )
            };
            let mut windowed: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(window))];
            windowed.extend(clauses.iter().map(|q| (Occur::Must, q.box_clone())));
            let query = BooleanQuery::new(windowed);
            let mut asked = want.saturating_mul(2).max(16);
            let found = loop {
                let docs = searcher.search(
                    &query,
                    &TopDocs::with_limit(asked).order_by_fast_field::<i64>(date_name, order()),
                )?;
                let exhausted = docs.len() < asked;
                let boundary = docs.last().map(|(time, _)| *time);
                let mut seen = HashSet::new();
                let mut found: Vec<(Vec<u8>, String)> = Vec::new();
                for (time, address) in &docs {
                    // Hits at the last time read may have company not read yet.
                    if !exhausted && Some(*time) == boundary {
                        continue;
                    }
                    let doc: TantivyDocument = searcher.doc(*address)?;
                    let Some(key) = doc.get_first(key_field).and_then(|v| v.as_str()) else {
                        continue;
                    };
                    if !seen.insert(key.to_string()) {
                        continue;
                    }
                    let position = Cursor::at(*time, key).0;
                    if beyond(&position) {
                        found.push((position, key.to_string()));
                    }
                }
                if exhausted || found.len() >= want {
                    break found;
                }
                let all = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
                asked = asked.saturating_mul(4).min(all.saturating_add(1));
            };
            if whole || found.len() >= want {
                let mut found = found;
                found.sort();
                if !ascending {
                    found.reverse();
                }
                found.truncate(want);
                return Ok(found.into_iter().map(|(_, key)| key).collect());
            }
            span = span.saturating_mul(8);
        }
    }

    /// One query per bare word and per quoted phrase of `q` ([`parse_query`]).
    fn text_queries(&self, q: &str) -> Vec<Box<dyn Query>> {
        let mut queries: Vec<Box<dyn Query>> = Vec::new();
        for wanted in parse_query(q) {
            let words = match wanted {
                Wanted::Nothing => {
                    queries.push(Box::new(EmptyQuery));
                    continue;
                }
                Wanted::Words(words) => words,
            };
            let pairs: Vec<Term> = words
                .windows(2)
                .map(|w| Term::from_field_text(self.fields.pairs, &w.join(" ")))
                .collect();
            match (words.as_slice(), pairs.len()) {
                ([], _) => {}
                ([word], _) => queries.push(Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.text, word),
                    IndexRecordOption::Basic,
                ))),
                // Two words are one pair; more are pairs at consecutive positions.
                (_, 1) => queries.extend(
                    pairs
                        .into_iter()
                        .map(|t| Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as _),
                ),
                _ => queries.push(Box::new(PhraseQuery::new(pairs))),
            }
        }
        queries
    }

    /// Bytes the index takes on disk.
    pub fn disk_bytes(&self, store_dir: &Path) -> u64 {
        let dir = store_dir.join(DIRECTORY);
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }
}

/// One condition of a text query; every one must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Wanted {
    /// Something no article has (a "word" too long to be one, never indexed).
    Nothing,
    /// These folded words, next to each other in this order (one word, or a phrase).
    Words(Vec<String>),
}

/// What `q` asks, the same for every backend: each bare word, and each `"quoted phrase"` (a
/// word the tokenizer cuts in several, like `COVID-19`, is a phrase too), as folded words.
/// Punctuation alone asks nothing.
pub(super) fn parse_query(q: &str) -> Vec<Wanted> {
    let q = crate::text::nfc(q);
    let mut words_of = Words::new(false);
    let mut wanted = Vec::new();
    for (i, part) in q.split('"').enumerate() {
        let groups: Vec<&str> = if i % 2 == 1 {
            vec![part]
        } else {
            part.split_whitespace().collect()
        };
        for group in groups {
            let words: Vec<String> = words_of.words(group).into_iter().map(|t| t.text).collect();
            if !words.is_empty() {
                wanted.push(Wanted::Words(words));
            } else if group.chars().any(char::is_alphanumeric) {
                wanted.push(Wanted::Nothing);
            }
        }
    }
    wanted
}

/// The folded words of `text` as indexed, each with its position (a word dropped as too long
/// leaves a gap, so no phrase spans it).
pub(super) fn indexed_words(text: &str) -> Vec<(String, u32)> {
    Words::new(false)
        .words(text)
        .into_iter()
        .map(|t| (t.text, u32::try_from(t.position).unwrap_or(u32::MAX)))
        .collect()
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(FOLDED)
            .set_index_option(IndexRecordOption::Basic),
    );
    let pairs = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(PAIRS)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        key: builder.add_text_field("key", STRING | STORED),
        source: builder.add_text_field("source", STRING),
        category: builder.add_text_field("category", STRING),
        published: builder.add_i64_field("published", INDEXED | FAST),
        text: builder.add_text_field("text", text.clone()),
        pairs: builder.add_text_field("pairs", pairs),
        story: builder.add_text_field("story", STRING | STORED),
        story_published: builder.add_i64_field("story_published", INDEXED | FAST),
        story_sources: builder.add_text_field("story_sources", STRING),
        story_category: builder.add_text_field("story_category", STRING),
    };
    (builder.build(), fields)
}

/// Adjacent pairs of the folded words (`chuyển đổi số` → `chuyen doi`, `doi so`), numbered
/// by the position of their first word. A phrase is looked up as its pairs (one term for two
/// words) instead of checking where two common words stand in every article that has both.
fn pairs(words: &[Token]) -> Vec<Token> {
    words
        .windows(2)
        .filter_map(|w| match w {
            // Words a dropped (too long) word separated are no pair.
            [a, b] if b.position == a.position.wrapping_add(1) => Some(Token {
                offset_from: a.offset_from,
                offset_to: b.offset_to,
                position: a.position,
                text: format!("{} {}", a.text, b.text),
                position_length: 1,
            }),
            _ => None,
        })
        .collect()
}

/// The analysis of the `text` field (words) or of the `pairs` field (their adjacent pairs),
/// as a tantivy tokenizer: the same for documents and for queries.
#[derive(Clone)]
struct Words {
    analyzer: TextAnalyzer,
    pairs: bool,
}

impl Words {
    fn new(pairs: bool) -> Words {
        Words {
            analyzer: analyzer(),
            pairs,
        }
    }

    /// The words of `text`: folded by our table first (fast for Vietnamese), so the tantivy
    /// chain after it mostly takes its ASCII fast paths.
    fn words(&mut self, text: &str) -> Vec<Token> {
        let bare = crate::dedupe::bare_text(text);
        let mut stream = self.analyzer.token_stream(&bare);
        let mut words = Vec::new();
        while stream.advance() {
            words.push(stream.token().clone());
        }
        words
    }
}

impl Tokenizer for Words {
    type TokenStream<'a> = PreTokenizedStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PreTokenizedStream {
        let words = self.words(text);
        let tokens = if self.pairs { pairs(&words) } else { words };
        PreTokenizedStream::from(PreTokenizedString {
            text: String::new(),
            tokens,
        })
    }
}

/// Words, lower case, folded to ASCII (`Đặng` → `dang`).
fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// A category as matched: any case, any diacritics.
pub(super) fn fold(category: &str) -> String {
    crate::text::fold_diacritics(category)
}

fn term(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

fn any_of(field: Field, values: &[String]) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        values
            .iter()
            .map(|v| (Occur::Should, term(field, v)))
            .collect(),
    ))
}

fn search_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Search(e.to_string())
}

impl From<tantivy::TantivyError> for StoreError {
    fn from(e: tantivy::TantivyError) -> StoreError {
        search_error(e)
    }
}

impl From<tantivy::directory::error::OpenReadError> for StoreError {
    fn from(e: tantivy::directory::error::OpenReadError) -> StoreError {
        search_error(e)
    }
}
