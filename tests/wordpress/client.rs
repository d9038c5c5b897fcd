//! HTTP as WordPress's users make it: an anonymous visitor; an editor signed
//! in with a cookie on the real admin screens (post.php, admin-ajax.php's
//! quick edit, edit.php's bulk edit) and in the block editor, which saves
//! through REST with that cookie and a nonce; a REST client with an
//! application password; an XML-RPC client; and baomi's officer.
//!
//! Plain HTTP rather than a headless browser: what the gate sees is the
//! request, and these are the requests the screens send (the block editor's
//! Publish is `POST /wp/v2/posts/ID` with `status: publish`); the nonces are
//! read from the pages as the browser would. A browser would add only the
//! JavaScript that draws the notice, which the pages' HTML already carries.

use regex::Regex;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Status and body of an answer, with the redirect target if any.
pub struct Page {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

async fn page(resp: Response) -> Page {
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Page {
        status,
        body: resp.text().await.expect("body"),
        location,
    }
}

/// The `<title>` of a page, or the start of the body (for failure messages).
fn title_of(body: &str) -> String {
    Regex::new(r"(?s)<title>(.*?)</title>")
        .unwrap()
        .captures(body)
        .map_or_else(|| body.chars().take(300).collect(), |c| c[1].to_string())
}

/// A JSON body as text with every `\uXXXX` decoded, so that Chinese
/// needles can be searched in it.
fn json_text(body: &str) -> String {
    serde_json::from_str::<Value>(body).map_or_else(|_| body.to_string(), |v| v.to_string())
}

fn capture(html: &str, pattern: &str, what: &str) -> String {
    Regex::new(pattern)
        .unwrap()
        .captures(html)
        .unwrap_or_else(|| panic!("no {what} in the page ({pattern}):\n{html:.2000}"))[1]
        .to_string()
}

// ----- the anonymous visitor ---------------------------------------------

pub struct Visitor {
    http: Client,
    base: String,
}

impl Visitor {
    pub fn new(base: &str) -> Visitor {
        Visitor {
            http: Client::new(),
            base: base.to_string(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        page(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .expect("visitor request"),
        )
        .await
    }

    /// Every public way to a post: `/?p=ID` (redirected to the permalink
    /// when published), the permalink, the REST API, the REST search, the
    /// front page, the feed. Label, status and body (JSON decoded).
    async fn views(&self, id: u64, slug: &str, marker: &str) -> Vec<(String, u16, String)> {
        let mut out = Vec::new();
        for (label, path) in [
            ("?p=ID", format!("/?p={id}")),
            ("permalink", format!("/{slug}/")),
            ("REST post", format!("/wp-json/wp/v2/posts/{id}")),
            (
                "REST search",
                format!("/wp-json/wp/v2/posts?search={marker}"),
            ),
            ("front page", "/".to_string()),
            ("feed", "/feed/".to_string()),
        ] {
            let p = self.get(&path).await;
            let body = if path.starts_with("/wp-json/") {
                json_text(&p.body)
            } else {
                p.body
            };
            out.push((format!("{label} {path}"), p.status, body));
        }
        out
    }

    /// The post is online: its page, permalink and REST entry show every
    /// needle and none of `absent`.
    pub async fn assert_public(&self, post: &Post, needles: &[&str], absent: &[&str]) {
        for (label, status, body) in self.views(post.id, &post.slug, &post.marker).await {
            if label.starts_with("front page") || label.starts_with("feed") {
                continue; // Older posts drop off these; the other views are enough.
            }
            if label.starts_with("REST search") {
                assert!(
                    body.contains(&format!("\"id\":{}", post.id)),
                    "{}: {label} does not list the post",
                    post.what
                );
                continue;
            }
            assert_eq!(
                status,
                200,
                "{}: {label} answered {status}: {}",
                post.what,
                title_of(&body)
            );
            for needle in needles {
                assert!(
                    body.contains(needle),
                    "{}: {label} does not show {needle:?}",
                    post.what
                );
            }
            for text in absent {
                assert!(
                    !body.contains(text),
                    "{}: {label} shows {text:?}",
                    post.what
                );
            }
        }
    }

    /// Nothing of the post is online: no view shows its marker or any of
    /// `needles`, and its page and REST entry are not found.
    pub async fn assert_not_public(&self, post: &Post, needles: &[&str]) {
        for (label, status, body) in self.views(post.id, &post.slug, &post.marker).await {
            if label.starts_with("REST search") {
                assert!(
                    !body.contains(&format!("\"id\":{}", post.id)),
                    "{}: {label} lists the post",
                    post.what
                );
                continue;
            }
            if label.starts_with("?p=")
                || label.starts_with("permalink")
                || label.starts_with("REST post")
            {
                assert!(
                    status == 404 || status == 401,
                    "{}: {label} answered {status}, not 404/401",
                    post.what
                );
            }
            for needle in needles.iter().copied().chain([post.marker.as_str()]) {
                assert!(
                    !body.contains(needle),
                    "{}: {label} shows {needle:?}",
                    post.what
                );
            }
        }
    }
}

/// A post the test made: id, slug (of its permalink), a unique marker in
/// its title, and what it stands for (in failure messages).
#[derive(Clone, Debug)]
pub struct Post {
    pub id: u64,
    pub slug: String,
    pub marker: String,
    pub what: String,
}

// ----- the editor, signed in ---------------------------------------------

pub struct Editor {
    http: Client,
    base: String,
    cookies: Mutex<BTreeMap<String, String>>,
    rest_nonce: String,
    pub category_id: u64,
}

impl Editor {
    /// Signs in through wp-login.php as a browser does.
    pub async fn login(base: &str, login: &str, password: &str, category_id: u64) -> Editor {
        let mut editor = Editor {
            http: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_string(),
            cookies: Mutex::new(BTreeMap::new()),
            rest_nonce: String::new(),
            category_id,
        };
        editor.get("/wp-login.php").await; // sets wordpress_test_cookie
        let signed_in = editor
            .post_form(
                "/wp-login.php",
                &[
                    ("log", login),
                    ("pwd", password),
                    ("wp-submit", "Log In"),
                    ("redirect_to", &format!("{base}/wp-admin/")),
                    ("testcookie", "1"),
                ],
            )
            .await;
        assert_eq!(
            signed_in.status, 302,
            "wp-login.php did not sign the editor in:\n{:.2000}",
            signed_in.body
        );
        let nonce = editor
            .get("/wp-admin/admin-ajax.php?action=rest-nonce")
            .await;
        assert_eq!(nonce.status, 200, "rest-nonce: {}", nonce.body);
        editor.rest_nonce = nonce.body.trim().to_string();
        editor
    }

    async fn send(&self, req: RequestBuilder) -> Page {
        let cookie = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let resp = req
            .header(COOKIE, cookie)
            .send()
            .await
            .expect("editor request");
        {
            let mut jar = self.cookies.lock().unwrap();
            for set in resp.headers().get_all(SET_COOKIE) {
                let set = set.to_str().unwrap_or_default();
                let pair = set.split(';').next().unwrap_or_default();
                if let Some((name, value)) = pair.split_once('=') {
                    if value.is_empty() || value == "deleted" || set.contains("Max-Age=0") {
                        jar.remove(name.trim());
                    } else {
                        jar.insert(name.trim().to_string(), value.to_string());
                    }
                }
            }
        }
        page(resp).await
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(self.http.post(format!("{}{path}", self.base)).form(form))
            .await
    }

    /// A REST call as the block editor makes it: the cookie and X-WP-Nonce.
    pub async fn rest(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/wp-json{path}", self.base))
            .header("X-WP-Nonce", &self.rest_nonce);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let p = self.send(req).await;
        let value = serde_json::from_str(&p.body)
            .unwrap_or_else(|e| panic!("REST {path}: not JSON ({e}): {:.2000}", p.body));
        (p.status, value)
    }

    /// Opens the block editor on a new post (post-new.php makes an
    /// auto-draft); its id and the classic form's nonce.
    pub async fn new_post_screen(&self) -> (u64, String) {
        let p = self.get("/wp-admin/post-new.php").await;
        assert_eq!(p.status, 200, "post-new.php: {:.2000}", p.body);
        let id = capture(
            &p.body,
            r#"name=['"]post_ID['"] value=['"](\d+)['"]"#,
            "post_ID",
        );
        let nonce = capture(
            &p.body,
            r#"id="_wpnonce" name="_wpnonce" value="([0-9a-f]+)""#,
            "_wpnonce",
        );
        (id.parse().unwrap(), nonce)
    }

    /// The block editor's Publish button on a new post: the screen, then
    /// `POST /wp/v2/posts/ID` with the post and `status: publish` (or the
    /// given status and fields). The post id, the answer's status and body.
    pub async fn block_editor_save(
        &self,
        title: &str,
        content: &str,
        extra: Value,
    ) -> (u64, u16, Value) {
        let (id, _) = self.new_post_screen().await;
        let mut body = json!({
            "title": title,
            "content": content,
            "status": "publish",
            "categories": [self.category_id],
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, answer) = self
            .rest(Method::POST, &format!("/wp/v2/posts/{id}"), Some(body))
            .await;
        (id, status, answer)
    }

    /// The block editor's Update button on an existing post.
    pub async fn block_editor_update(&self, id: u64, fields: Value) -> (u16, Value) {
        self.rest(Method::POST, &format!("/wp/v2/posts/{id}"), Some(fields))
            .await
    }

    /// The classic editor's Publish button: post-new.php, then its form to
    /// post.php (`action=editpost`, `publish`). The post id and the redirect.
    pub async fn classic_publish(&self, title: &str, content: &str) -> (u64, Page) {
        let (id, nonce) = self.new_post_screen().await;
        let id_text = id.to_string();
        let category = self.category_id.to_string();
        let p = self
            .post_form(
                "/wp-admin/post.php",
                &[
                    ("_wpnonce", &nonce),
                    ("_wp_http_referer", "/wp-admin/post-new.php"),
                    ("action", "editpost"),
                    ("originalaction", "editpost"),
                    ("post_type", "post"),
                    ("original_post_status", "auto-draft"),
                    ("auto_draft", "1"),
                    ("post_ID", &id_text),
                    ("post_title", title),
                    ("content", content),
                    ("post_category[]", &category),
                    ("publish", "Publish"),
                ],
            )
            .await;
        (id, p)
    }

    /// The edit screen of a post (where the editor reads the gate's notice).
    pub async fn edit_screen(&self, id: u64) -> String {
        let p = self
            .get(&format!("/wp-admin/post.php?post={id}&action=edit"))
            .await;
        assert_eq!(p.status, 200, "edit screen of {id}: {:.2000}", p.body);
        p.body
    }

    /// The post as the editor sees it through REST (context=edit): status,
    /// slug, raw title and content, and the gate's `baomi` field.
    pub async fn post(&self, id: u64) -> Value {
        let (status, v) = self
            .rest(
                Method::GET,
                &format!("/wp/v2/posts/{id}?context=edit"),
                None,
            )
            .await;
        assert_eq!(status, 200, "GET post {id}: {v}");
        v
    }

    /// Quick edit on the posts list: admin-ajax.php `inline-save` with the
    /// list's nonce. The row HTML it answers with.
    pub async fn quick_edit(&self, id: u64, title: &str, slug: &str, status: &str) -> Page {
        let list = self.get("/wp-admin/edit.php").await;
        assert_eq!(list.status, 200, "edit.php: {:.2000}", list.body);
        let nonce = capture(
            &list.body,
            r#"name="_inline_edit" value="([0-9a-f]+)""#,
            "_inline_edit nonce",
        );
        let id_text = id.to_string();
        let category = self.category_id.to_string();
        self.post_form(
            "/wp-admin/admin-ajax.php",
            &[
                ("action", "inline-save"),
                ("_inline_edit", &nonce),
                ("post_ID", &id_text),
                ("post_type", "post"),
                ("post_view", "list"),
                ("screen", "edit-post"),
                ("post_title", title),
                ("post_name", slug),
                ("_status", status),
                ("post_category[]", &category),
            ],
        )
        .await
    }

    /// Bulk edit on the posts list: edit.php `action=edit&bulk_edit` with the
    /// list's nonce, setting the status of `ids`. The page redirected to.
    pub async fn bulk_edit_status(&self, ids: &[u64], status: &str) -> Page {
        let list = self.get("/wp-admin/edit.php").await;
        let nonce = capture(
            &list.body,
            r#"id="_wpnonce" name="_wpnonce" value="([0-9a-f]+)""#,
            "bulk nonce",
        );
        let mut query = vec![
            ("_wpnonce".to_string(), nonce),
            ("_wp_http_referer".into(), "/wp-admin/edit.php".into()),
            ("action".into(), "edit".into()),
            ("post_type".into(), "post".into()),
            ("_status".into(), status.into()),
            ("post_author".into(), "-1".into()),
            ("comment_status".into(), String::new()),
            ("ping_status".into(), String::new()),
            ("sticky".into(), "-1".into()),
            ("bulk_edit".into(), "Update".into()),
        ];
        for id in ids {
            query.push(("post[]".into(), id.to_string()));
        }
        let p = self
            .send(
                self.http
                    .get(format!("{}/wp-admin/edit.php", self.base))
                    .query(&query),
            )
            .await;
        assert_eq!(
            p.status, 302,
            "bulk edit did not redirect: {:.2000}",
            p.body
        );
        let to = p.location.clone().unwrap();
        let path = to.strip_prefix(&self.base).unwrap_or(&to).to_string();
        self.get(&path).await
    }
}

// ----- a REST client with an application password ----------------------

pub struct RestClient {
    http: Client,
    base: String,
    login: String,
    password: String,
}

impl RestClient {
    pub fn new(base: &str, login: &str, password: &str) -> RestClient {
        RestClient {
            http: Client::new(),
            base: base.to_string(),
            login: login.to_string(),
            password: password.to_string(),
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/wp-json{path}", self.base))
            .basic_auth(&self.login, Some(&self.password));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let p = page(req.send().await.expect("REST request")).await;
        let value = serde_json::from_str(&p.body)
            .unwrap_or_else(|e| panic!("REST {path}: not JSON ({e}): {:.2000}", p.body));
        (p.status, value)
    }

    /// Uploads a file to the media library; its attachment record.
    pub async fn upload(&self, name: &str, content_type: &str, bytes: Vec<u8>) -> Value {
        let p = page(
            self.http
                .post(format!("{}/wp-json/wp/v2/media", self.base))
                .basic_auth(&self.login, Some(&self.password))
                .header("Content-Type", content_type)
                .header(
                    "Content-Disposition",
                    format!("attachment; filename=\"{name}\""),
                )
                .body(bytes)
                .send()
                .await
                .expect("upload"),
        )
        .await;
        assert_eq!(p.status, 201, "upload {name}: {:.2000}", p.body);
        serde_json::from_str(&p.body).unwrap()
    }
}

// ----- XML-RPC -------------------------------------------------------------

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `wp.newPost` through xmlrpc.php: Ok(post id) or Err(fault string).
pub async fn xmlrpc_new_post(
    base: &str,
    login: &str,
    password: &str,
    title: &str,
    content: &str,
) -> Result<u64, String> {
    let body = format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>wp.newPost</methodName><params>\
         <param><value><int>1</int></value></param>\
         <param><value><string>{}</string></value></param>\
         <param><value><string>{}</string></value></param>\
         <param><value><struct>\
         <member><name>post_type</name><value><string>post</string></value></member>\
         <member><name>post_status</name><value><string>publish</string></value></member>\
         <member><name>post_title</name><value><string>{}</string></value></member>\
         <member><name>post_content</name><value><string>{}</string></value></member>\
         </struct></value></param></params></methodCall>",
        xml_escape(login),
        xml_escape(password),
        xml_escape(title),
        xml_escape(content)
    );
    let p = page(
        Client::new()
            .post(format!("{base}/xmlrpc.php"))
            .header("Content-Type", "text/xml")
            .body(body)
            .send()
            .await
            .expect("xmlrpc request"),
    )
    .await;
    assert_eq!(p.status, 200, "xmlrpc.php: {:.2000}", p.body);
    if p.body.contains("<fault>") {
        let fault = Regex::new(r"(?s)<name>faultString</name>\s*<value>\s*<string>(.*?)</string>")
            .unwrap()
            .captures(&p.body)
            .map_or(p.body.clone(), |c| c[1].to_string());
        return Err(fault);
    }
    let id = capture(&p.body, r"<string>(\d+)</string>", "post id");
    Ok(id.parse().unwrap())
}

// ----- baomi's officer ------------------------------------------------------

pub struct Officer {
    http: Client,
    base: String,
    token: String,
}

impl Officer {
    pub fn new(base: &str, token: &str) -> Officer {
        Officer {
            http: Client::new(),
            base: base.to_string(),
            token: token.to_string(),
        }
    }

    /// approve / reject / escalate in baomi, with a comment and basis.
    pub async fn resolve(
        &self,
        review_id: &str,
        action: &str,
        comment: &str,
        basis: &str,
    ) -> Value {
        let resp = self
            .http
            .post(format!(
                "{}/api/v1/reviews/{review_id}/resolution",
                self.base
            ))
            .bearer_auth(&self.token)
            .json(&json!({"action": action, "comment": comment, "basis": basis}))
            .send()
            .await
            .expect("resolution");
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.expect("resolution JSON");
        assert_eq!(status, 200, "{action} {review_id}: {v}");
        v
    }

    /// The review with its callback attempts.
    pub async fn review(&self, review_id: &str) -> Value {
        self.http
            .get(format!("{}/api/v1/reviews/{review_id}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("review")
            .json()
            .await
            .expect("review JSON")
    }
}

/// A POST to the plugin's callback route, as baomi (or anyone) sends it.
pub async fn callback(base: &str, body: &str, signature: Option<&str>) -> (u16, Value) {
    let mut req = Client::new()
        .post(format!("{base}/wp-json/baomi/v1/callback"))
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if let Some(signature) = signature {
        req = req.header("X-Baomi-Signature", signature);
    }
    let p = page(req.send().await.expect("callback request")).await;
    (
        p.status,
        serde_json::from_str(&p.body).unwrap_or(Value::Null),
    )
}
