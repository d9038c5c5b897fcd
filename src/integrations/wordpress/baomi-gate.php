<?php
/**
 * Plugin Name: baomi 保密审查 gate
 * Description: Holds every post until baomi has decided: nothing goes online before 保密审查 (先审查后公开).
 * Version:     0.1.0
 * License:     Apache-2.0
 *
 * A must-use plugin: copy this one file to wp-content/mu-plugins/ (print it
 * filled in with `baomi integration wordpress`). WordPress loads it on every
 * request and the admin offers no switch to turn it off.
 *
 * What is gated, and how. Every publication of a post, page or other public
 * post type is submitted to baomi's `POST /api/v1/reviews` with its title,
 * content (HTML), excerpt, the reusable blocks it embeds, the media-library
 * files it links to (and its featured image), the author as submitter, the
 * first category as department, the permalink and the callback address.
 * Only `pass` (status `approved`, `publishable`) lets it go online; `review`
 * and `block` keep it `pending`; an error, a timeout or a missing setting
 * keeps it `pending` too (fail closed). The decision, review id and findings
 * (rule, reason, where; never the text) go to the post meta `_baomi_gate`.
 *
 * - Anything that saves through wp_insert_post() (the block editor's Publish
 *   and Update buttons, the classic editor's post.php, the REST API, quick
 *   edit, bulk edit, XML-RPC, WP-CLI, importers, post by email, restoring a
 *   revision): `wp_insert_post_data` (last priority) turns a request for
 *   `publish` into `pending` before the row is written; once the post is
 *   saved (`rest_after_insert_{type}` / `wp_after_insert_post`, or at
 *   `shutdown` at the latest) it is submitted, and only a pass publishes it.
 * - Editing a published post: the row keeps the online title, content and
 *   excerpt; the new version is submitted, and on a hold it is kept as a
 *   revision (see 修订) until an officer approves it. What is online stays the
 *   approved version until the new one passes.
 * - The scheduler (wp-cron `publish_future_post`): gated before core's
 *   check_and_publish_future_post() runs; a held post becomes `pending`
 *   instead of going online. A scheduled post is also submitted when it is
 *   scheduled, so an officer can approve it before its time.
 * - Anything else that publishes with a direct database update
 *   (wp_publish_post() called by a plugin): `transition_post_status` (first
 *   priority) puts the post back to `pending` before any other handler runs
 *   and before the request ends, then submits it like any other.
 * - REST: a publish that was held answers 403 `baomi_held` (503
 *   `baomi_unavailable` when baomi could not decide) with the post id, review
 *   id and findings; the post exists as `pending` (or, for an edit, online
 *   unchanged). The error is made after the save (rest_post_dispatch), not
 *   by rest_pre_insert_post: the held version must exist, as a pending post
 *   or a revision with its review id, for an officer's approval to publish
 *   it. XML-RPC: the same as a fault 403. The block editor shows
 *   these messages in its notice area; both editors show the stored state
 *   when a post is opened, and the posts list has a 保密审查 column.
 * - The officer's decision: baomi POSTs it to /wp-json/baomi/v1/callback,
 *   signed with HMAC-SHA256 (X-Baomi-Signature), verified here with
 *   hash_equals(). An approval publishes the reviewed version (only if the
 *   post still holds exactly that version); a rejection keeps it unpublished
 *   and shows the officer's opinion and basis to the editor.
 *
 * Not gated (see the README's limits): private posts (not public);
 * attachments themselves (a file in wp-content/uploads is reachable at its
 * URL as soon as it is uploaded; it is reviewed when a post linking it is
 * published); comments; menus, widgets, the customizer, site-editor
 * templates and template parts, reusable blocks edited on their own (they are
 * reviewed as part of each post that embeds them when that post is
 * published), term descriptions and user profiles; custom fields that a theme
 * shows; text generated at display time (shortcodes, dynamic blocks, embeds);
 * images and files linked from other sites; and anything that writes
 * wp_posts with SQL without calling WordPress's functions.
 *
 * Settings: PHP constants. `baomi integration wordpress` fills in the first
 * three below; wp-config.php may define any of them first, and wins.
 */

defined( 'ABSPATH' ) || exit;

// Where baomi listens, e.g. http://127.0.0.1:8080 (the plugin adds /api/v1/reviews).
defined( 'BAOMI_HOOK_URL' ) || define( 'BAOMI_HOOK_URL', /*baomi:hook_url*/'' );
// A baomi token of role `cms` (baomi token create --role cms …).
defined( 'BAOMI_TOKEN' ) || define( 'BAOMI_TOKEN', /*baomi:token*/'' );
// baomi's webhook secret: callbacks not signed with it are refused.
defined( 'BAOMI_WEBHOOK_SECRET' ) || define( 'BAOMI_WEBHOOK_SECRET', /*baomi:webhook_secret*/'' );
// Seconds to wait for baomi's answer; no answer in time means not published.
defined( 'BAOMI_TIMEOUT' ) || define( 'BAOMI_TIMEOUT', 15 );
// Where baomi sends officers' decisions; empty: this site's /wp-json/baomi/v1/callback.
defined( 'BAOMI_CALLBACK_URL' ) || define( 'BAOMI_CALLBACK_URL', '' );
// Prefix of baomi's item ids; empty: wp-<blog id>- (item wp-1-42 is post 42 of blog 1).
defined( 'BAOMI_ITEM_PREFIX' ) || define( 'BAOMI_ITEM_PREFIX', '' );
// The most bytes of linked media files sent with one post; more is not published.
defined( 'BAOMI_MAX_ATTACHMENT_BYTES' ) || define( 'BAOMI_MAX_ATTACHMENT_BYTES', 8 * 1024 * 1024 );

/**
 * The gate. Static because WordPress hooks are global: one request, one
 * set of posts in flight.
 */
final class Baomi_Gate {
	const META      = '_baomi_gate';
	const NO_DATE   = '0000-00-00 00:00:00';
	const MAX_SHOWN = 20;

	/** Posts saved in this request that asked to go online, by id: kind (new|edit|schedule) and the proposed fields of an edit. */
	private static $requests = array();
	/** New posts between wp_insert_post_data and the insert (no id yet): fingerprint => request. */
	private static $unbound = array();
	/** Posts this plugin is publishing now, after a pass or an approval. */
	private static $releasing = array();
	/** Submissions held in the current REST dispatch or XML-RPC call. */
	private static $held = array();

	public static function boot() {
		add_filter( 'wp_insert_post_data', array( __CLASS__, 'on_post_data' ), PHP_INT_MAX, 2 );
		add_action( 'wp_insert_post', array( __CLASS__, 'bind_new_post' ), PHP_INT_MIN, 3 );
		add_action( 'wp_after_insert_post', array( __CLASS__, 'after_save' ), 10, 2 );
		add_action( 'shutdown', array( __CLASS__, 'process_left_over' ), 0 );
		add_action( 'transition_post_status', array( __CLASS__, 'guard_transition' ), PHP_INT_MIN, 3 );
		add_action( 'publish_future_post', array( __CLASS__, 'gate_scheduled' ), 1 );
		add_action( 'publish_future_post', array( __CLASS__, 'end_scheduled' ), 11 );
		add_action( 'rest_api_init', array( __CLASS__, 'rest_init' ) );
		add_filter( 'rest_pre_dispatch', array( __CLASS__, 'rest_begin' ), 0 );
		add_filter( 'rest_post_dispatch', array( __CLASS__, 'rest_answer' ), 10, 3 );
		add_filter( 'xmlrpc_methods', array( __CLASS__, 'wrap_xmlrpc' ), PHP_INT_MAX );
		add_action( 'admin_notices', array( __CLASS__, 'admin_notices' ) );
		add_action( 'enqueue_block_editor_assets', array( __CLASS__, 'block_editor_notice' ) );
		add_filter( 'manage_posts_columns', array( __CLASS__, 'column' ) );
		add_filter( 'manage_pages_columns', array( __CLASS__, 'column' ) );
		add_action( 'manage_posts_custom_column', array( __CLASS__, 'column_cell' ), 10, 2 );
		add_action( 'manage_pages_custom_column', array( __CLASS__, 'column_cell' ), 10, 2 );
	}

	// ----- which posts --------------------------------------------------

	/** Public post types, except attachments (files are reviewed with the posts that link them). */
	public static function gated_type( $type ) {
		return is_string( $type ) && 'attachment' !== $type && 'revision' !== $type
			&& post_type_exists( $type ) && is_post_type_viewable( $type );
	}

	/** The published text of a post: title, content, excerpt. */
	private static function fields( $post ) {
		$post = (array) $post;
		return array(
			'post_title'   => (string) $post['post_title'],
			'post_content' => (string) $post['post_content'],
			'post_excerpt' => (string) $post['post_excerpt'],
		);
	}

	private static function fingerprint( array $fields ) {
		return hash( 'sha256', $fields['post_title'] . "\0" . $fields['post_content'] . "\0" . $fields['post_excerpt'] );
	}

	// ----- every save: wp_insert_post() ---------------------------------

	/**
	 * Before the row is written: a publish becomes pending; an edit of a
	 * published post keeps the online text. `$data` is slashed.
	 */
	public static function on_post_data( $data, $postarr ) {
		if ( ! self::gated_type( $data['post_type'] ) ) {
			return $data;
		}
		$id = isset( $postarr['ID'] ) ? (int) $postarr['ID'] : 0;
		if ( $id && isset( self::$releasing[ $id ] ) ) {
			return $data;
		}
		$current = $id ? get_post( $id ) : null;
		$online  = $current && 'publish' === $current->post_status;
		$target  = $data['post_status'];
		$fields  = self::fields( wp_unslash( $data ) );

		if ( 'publish' === $target && ! $online ) {
			$data['post_status'] = 'pending';
			// Not chosen by the editor: the date becomes the moment it goes online.
			if ( empty( $postarr['edit_date'] ) ) {
				$data['post_date_gmt'] = self::NO_DATE;
			}
			self::request( $id, $fields, array( 'kind' => 'new' ) );
		} elseif ( 'publish' === $target && $online ) {
			if ( self::fields( $current ) !== $fields ) {
				foreach ( self::fields( $current ) as $key => $value ) {
					$data[ $key ] = wp_slash( $value );
				}
				self::request(
					$id,
					$fields,
					array(
						'kind'     => 'edit',
						'proposed' => $fields,
					)
				);
			}
		} elseif ( 'future' === $target ) {
			self::request( $id, $fields, array( 'kind' => 'schedule' ) );
		}
		return $data;
	}

	private static function request( $id, array $fields, array $request ) {
		if ( $id ) {
			self::$requests[ $id ] = $request;
		} else {
			self::$unbound[ self::fingerprint( $fields ) ] = $request;
		}
	}

	/** A new post got its id: attach the request made for its text. */
	public static function bind_new_post( $post_id, $post, $update ) {
		if ( $update || ! self::$unbound ) {
			return;
		}
		$key = self::fingerprint( self::fields( $post ) );
		if ( isset( self::$unbound[ $key ] ) ) {
			self::$requests[ $post_id ] = self::$unbound[ $key ];
			unset( self::$unbound[ $key ] );
		}
	}

	/** The post, its terms and meta are saved: submit it. */
	public static function after_save( $post_id, $post ) {
		if ( isset( self::$requests[ $post_id ] ) ) {
			self::process( $post_id, $post );
		}
	}

	/** REST saves terms and featured media after the insert; submit once they are saved. */
	public static function after_rest_save( $post ) {
		if ( isset( self::$requests[ $post->ID ] ) ) {
			self::process( $post->ID, $post );
		}
	}

	/** A caller that never fired the after-save hooks: the post is still submitted. */
	public static function process_left_over() {
		foreach ( array_keys( self::$requests ) as $post_id ) {
			self::process( $post_id, null );
		}
	}

	/**
	 * Submits a saved post and acts on the answer. `$post_object`, when
	 * given, is the caller's object and is refreshed in place (the REST
	 * controller answers with it).
	 */
	private static function process( $post_id, $post_object ) {
		$request = self::$requests[ $post_id ];
		unset( self::$requests[ $post_id ] );
		$post = get_post( $post_id );
		if ( ! $post ) {
			return;
		}
		$kind   = $request['kind'];
		$fields = 'edit' === $kind ? $request['proposed'] : self::fields( $post );
		$answer = self::submit( $post, $fields );
		$state  = self::state_from( $answer, $kind, $fields );

		if ( $answer['publishable'] && 'new' === $kind ) {
			// Not pending any more (changed meanwhile): approved, published by the next publish.
			$state['state'] = 'pending' !== get_post_status( $post_id ) ? 'approved'
				: ( self::release( $post_id, null ) ? 'passed' : 'failed' );
		} elseif ( $answer['publishable'] && 'edit' === $kind ) {
			$state['state'] = self::release( $post_id, $fields ) ? 'passed' : 'failed';
		} elseif ( 'edit' === $kind ) {
			// The proposed version waits as a revision; the row keeps the online one.
			$state['revision'] = self::keep_proposed( $post, $fields );
		}
		if ( 'failed' === $state['state'] && ! $state['error'] ) {
			$state['error'] = '审查已通过，但发布时出错（请重新点击发布）';
		}
		self::save_state( $post_id, $state );
		if ( 'passed' !== $state['state'] && 'schedule' !== $kind ) {
			self::$held[] = array(
				'post_id' => $post_id,
				'state'   => $state,
			);
			self::flash( $post_id, $state );
		}
		if ( $post_object instanceof WP_Post ) {
			foreach ( get_object_vars( get_post( $post_id ) ) as $key => $value ) {
				$post_object->$key = $value;
			}
		}
	}

	/**
	 * Publishes a post the gate passed or an officer approved: a pending post
	 * (`$fields` null) or the proposed version of a published one. Content
	 * is written as it was reviewed (kses ran when the editor saved it).
	 */
	private static function release( $post_id, $fields ) {
		self::$releasing[ $post_id ] = true;
		kses_remove_filters();
		$postarr = null === $fields ? array( 'post_status' => 'publish' ) : $fields;
		$result  = wp_update_post( wp_slash( array( 'ID' => $post_id ) + $postarr ), true );
		kses_init();
		unset( self::$releasing[ $post_id ] );
		if ( is_wp_error( $result ) || ! $result ) {
			self::log( $post_id, 'could not publish after a pass: ' . ( is_wp_error( $result ) ? $result->get_error_code() : 'wp_update_post failed' ) );
			return false;
		}
		return null === $fields ? 'publish' === get_post_status( $post_id ) : true;
	}

	/** Saves the proposed version of a published post as a revision; its id. */
	private static function keep_proposed( $post, array $fields ) {
		$revision = _wp_put_post_revision( array_merge( get_post( $post->ID, ARRAY_A ), $fields ) );
		return is_wp_error( $revision ) ? 0 : (int) $revision;
	}

	// ----- paths around wp_insert_post() --------------------------------

	/**
	 * Something made the post public without wp_insert_post_data (a direct
	 * database update, as wp_publish_post() does): back to pending first,
	 * then submit it once the caller's save hooks have run.
	 */
	public static function guard_transition( $new_status, $old_status, $post ) {
		if ( 'publish' !== $new_status || 'publish' === $old_status || isset( self::$releasing[ $post->ID ] )
			|| ! self::gated_type( $post->post_type ) ) {
			return;
		}
		global $wpdb;
		$wpdb->update( $wpdb->posts, array( 'post_status' => 'pending' ), array( 'ID' => $post->ID ) );
		clean_post_cache( $post->ID );
		$post->post_status            = 'pending';
		self::$requests[ $post->ID ] = array( 'kind' => 'new' );
		self::log( $post->ID, "published by a direct update ({$old_status} → publish): put back to pending" );
	}

	/** The scheduler: decide before core's check_and_publish_future_post() (priority 10) publishes. */
	public static function gate_scheduled( $post_id ) {
		$post = get_post( $post_id );
		if ( ! $post || 'future' !== $post->post_status || ! self::gated_type( $post->post_type )
			|| strtotime( $post->post_date_gmt . ' GMT' ) > time() ) {
			return;
		}
		$fields = self::fields( $post );
		$answer = self::submit( $post, $fields );
		$state  = self::state_from( $answer, 'schedule', $fields );
		if ( $answer['publishable'] ) {
			self::$releasing[ $post_id ] = true;
		} else {
			global $wpdb;
			$wpdb->update( $wpdb->posts, array( 'post_status' => 'pending' ), array( 'ID' => $post_id ) );
			clean_post_cache( $post_id );
			// Now a pending post like any other: an approval publishes it.
			$state['kind'] = 'new';
		}
		self::save_state( $post_id, $state );
	}

	public static function end_scheduled( $post_id ) {
		unset( self::$releasing[ $post_id ] );
	}

	// ----- baomi --------------------------------------------------------

	/** The item id baomi knows the post by. */
	public static function item_id( $post_id ) {
		$prefix = '' !== BAOMI_ITEM_PREFIX ? BAOMI_ITEM_PREFIX : 'wp-' . get_current_blog_id() . '-';
		return $prefix . $post_id;
	}

	private static function post_id_of_item( $item_id ) {
		$prefix = '' !== BAOMI_ITEM_PREFIX ? BAOMI_ITEM_PREFIX : 'wp-' . get_current_blog_id() . '-';
		if ( ! is_string( $item_id ) || 0 !== strpos( $item_id, $prefix ) ) {
			return 0;
		}
		$rest = substr( $item_id, strlen( $prefix ) );
		return ctype_digit( $rest ) ? (int) $rest : 0;
	}

	/**
	 * Submits a post's text and linked files. The answer: publishable (only
	 * a pass or an approval), review_id, decision, status, findings, error.
	 * Any failure is an answer that is not publishable.
	 */
	private static function submit( $post, array $fields ) {
		if ( '' === BAOMI_HOOK_URL || '' === BAOMI_TOKEN ) {
			return self::failure( $post->ID, '本站未配置保密审查服务（BAOMI_HOOK_URL、BAOMI_TOKEN）' );
		}
		$document = self::document( $post, $fields );
		$files    = self::attachments( $post, $fields );
		if ( is_wp_error( $files ) ) {
			return self::failure( $post->ID, $files->get_error_message() );
		}
		$author   = get_userdata( (int) $post->post_author );
		$category = 'post' === $post->post_type ? get_the_category( $post->ID ) : array();
		$body     = wp_json_encode(
			array(
				'item_id'      => self::item_id( $post->ID ),
				'content'      => $document['html'],
				'format'       => 'html',
				'title'        => $fields['post_title'],
				'submitter'    => $author ? $author->display_name : null,
				'department'   => $category ? $category[0]->name : null,
				'channel'      => $post->post_type,
				'url'          => self::permalink( $post ),
				'callback_url' => '' !== BAOMI_CALLBACK_URL ? BAOMI_CALLBACK_URL : rest_url( 'baomi/v1/callback' ),
				'attachments'  => $files,
			)
		);
		if ( false === $body ) {
			return self::failure( $post->ID, '文章内容无法编码为 JSON（是否含有无效的 UTF-8 字符？）' );
		}
		$response = wp_remote_post(
			rtrim( BAOMI_HOOK_URL, '/' ) . '/api/v1/reviews',
			array(
				'timeout'     => (float) BAOMI_TIMEOUT,
				'redirection' => 0,
				'headers'     => array(
					'Authorization' => 'Bearer ' . BAOMI_TOKEN,
					'Content-Type'  => 'application/json',
					'Accept'        => 'application/json',
				),
				'body'        => $body,
			)
		);
		if ( is_wp_error( $response ) ) {
			return self::failure( $post->ID, '无法连接保密审查服务（' . $response->get_error_message() . '）' );
		}
		$code   = (int) wp_remote_retrieve_response_code( $response );
		$answer = json_decode( wp_remote_retrieve_body( $response ), true );
		if ( 200 !== $code && 201 !== $code ) {
			$why = is_array( $answer ) && isset( $answer['error']['message'] ) && is_string( $answer['error']['message'] )
				? '：' . $answer['error']['message'] : '';
			return self::failure( $post->ID, "保密审查服务未受理（HTTP {$code}{$why}）" );
		}
		if ( ! is_array( $answer ) || empty( $answer['review_id'] ) || ! is_string( $answer['review_id'] )
			|| ! isset( $answer['decision'], $answer['status'] ) ) {
			return self::failure( $post->ID, '保密审查服务的答复无法识别' );
		}
		$result = array(
			'publishable' => true === ( $answer['publishable'] ?? null ) && 'approved' === $answer['status'],
			'review_id'   => $answer['review_id'],
			'decision'    => (string) $answer['decision'],
			'status'      => (string) $answer['status'],
			'findings'    => self::findings( $answer, $document['sections'] ),
			'error'       => '',
		);
		self::log( $post->ID, sprintf( 'review %s decision %s status %s rules %s', $result['review_id'], $result['decision'], $result['status'], implode( ',', array_filter( array_column( $result['findings'], 'rule' ) ) ) ?: '-' ) );
		return $result;
	}

	private static function failure( $post_id, $why ) {
		self::log( $post_id, 'not published: ' . $why );
		return array(
			'publishable' => false,
			'review_id'   => '',
			'decision'    => '',
			'status'      => '',
			'findings'    => array(),
			'error'       => $why,
		);
	}

	/**
	 * The HTML that is reviewed: the content, then the excerpt and each
	 * embedded reusable block, and where each starts (so a finding's line can
	 * be named: 正文第N行, 摘要, 可复用区块). The title goes as `title`:
	 * baomi scans it as the item's first published line, and its findings
	 * come back located `标题`.
	 */
	private static function document( $post, array $fields ) {
		$html     = '';
		$sections = array();
		$parts    = array( array( '正文', $fields['post_content'] ) );
		if ( '' !== trim( $fields['post_excerpt'] ) ) {
			$parts[] = array( '摘要', '<p>' . esc_html( $fields['post_excerpt'] ) . '</p>' );
		}
		foreach ( self::reused_blocks( $fields['post_content'] ) as $block ) {
			$parts[] = array( '可复用区块 #' . $block->ID, $block->post_content );
		}
		$line = 1;
		foreach ( $parts as $i => list( $label, $text ) ) {
			if ( $i > 0 ) {
				$html .= "\n<!-- baomi: {$label} -->\n";
				$line += 2;
			}
			$sections[] = array( $line, $label );
			$html      .= $text;
			$line      += substr_count( $text, "\n" );
		}
		return array(
			'html'     => $html,
			'sections' => $sections,
		);
	}

	/** Reusable blocks (`wp:block {"ref":N}`) shown inside the content. */
	private static function reused_blocks( $content ) {
		$blocks = array();
		if ( preg_match_all( '/<!--\s+wp:block\s+\{[^}]*"ref":(\d+)/', $content, $m ) ) {
			foreach ( array_unique( array_map( 'intval', $m[1] ) ) as $ref ) {
				$block = get_post( $ref );
				if ( $block && 'wp_block' === $block->post_type ) {
					$blocks[] = $block;
				}
			}
		}
		return $blocks;
	}

	/** The media-library files the post shows or links to, plus its featured image. */
	private static function attachment_ids( $post, array $fields ) {
		$content = $fields['post_content'];
		$ids     = array();
		if ( preg_match_all( '/wp-image-(\d+)/', $content, $m ) ) {
			$ids = array_merge( $ids, $m[1] );
		}
		// Block attributes: image, file, video, audio, cover, media-text, gallery.
		if ( preg_match_all( '/<!--\s+wp:[a-z0-9\/-]+\s+(\{.*?\})\s+\/?-->/s', $content, $m ) ) {
			foreach ( $m[1] as $json ) {
				$attrs = json_decode( $json, true );
				foreach ( array( 'id', 'mediaId' ) as $key ) {
					if ( is_array( $attrs ) && isset( $attrs[ $key ] ) && is_numeric( $attrs[ $key ] ) ) {
						$ids[] = $attrs[ $key ];
					}
				}
				if ( is_array( $attrs ) && isset( $attrs['ids'] ) && is_array( $attrs['ids'] ) ) {
					$ids = array_merge( $ids, $attrs['ids'] );
				}
			}
		}
		if ( preg_match_all( '/\[gallery[^\]]*\bids="([\d,\s]+)"/', $content, $m ) ) {
			foreach ( $m[1] as $list ) {
				$ids = array_merge( $ids, preg_split( '/[\s,]+/', $list, -1, PREG_SPLIT_NO_EMPTY ) );
			}
		}
		// Links and sources under the uploads folder (a resized image names its original).
		$uploads = wp_get_upload_dir();
		if ( ! empty( $uploads['baseurl'] ) && preg_match_all( '/(?:href|src)=["\']([^"\']+)["\']/', $content, $m ) ) {
			$base = preg_replace( '#^https?:#', '', $uploads['baseurl'] );
			foreach ( $m[1] as $url ) {
				if ( false === strpos( $url, $base ) ) {
					continue;
				}
				$id = attachment_url_to_postid( $url );
				if ( ! $id ) {
					$id = attachment_url_to_postid( preg_replace( '/-\d+x\d+(?=\.[a-z0-9]+$)/i', '', $url ) );
				}
				if ( $id ) {
					$ids[] = $id;
				}
			}
		}
		$thumbnail = (int) get_post_meta( $post->ID, '_thumbnail_id', true );
		if ( $thumbnail ) {
			$ids[] = $thumbnail;
		}
		$ids = array_unique( array_filter( array_map( 'intval', $ids ) ) );
		return array_values(
			array_filter(
				$ids,
				function ( $id ) {
					return 'attachment' === get_post_type( $id );
				}
			)
		);
	}

	/** The files to send (base64), or an error that keeps the post unpublished. */
	private static function attachments( $post, array $fields ) {
		$files = array();
		$total = 0;
		foreach ( self::attachment_ids( $post, $fields ) as $id ) {
			$path = get_attached_file( $id );
			if ( ! $path || ! is_readable( $path ) ) {
				return new WP_Error( 'baomi_attachment', "附件 #{$id} 的文件无法读取，不能审查" );
			}
			$total += (int) filesize( $path );
			if ( $total > BAOMI_MAX_ATTACHMENT_BYTES ) {
				return new WP_Error( 'baomi_attachment', sprintf( '链接的附件共超过 %d 字节（BAOMI_MAX_ATTACHMENT_BYTES），不能审查', BAOMI_MAX_ATTACHMENT_BYTES ) );
			}
			$bytes = file_get_contents( $path ); // phpcs:ignore WordPress.WP.AlternativeFunctions
			if ( false === $bytes ) {
				return new WP_Error( 'baomi_attachment', "附件 #{$id} 的文件无法读取，不能审查" );
			}
			$files[] = array(
				'name'         => wp_basename( $path ),
				'content_type' => get_post_mime_type( $id ) ?: null,
				'data'         => base64_encode( $bytes ), // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions
			);
		}
		return $files;
	}

	/** The public permalink the post will have. */
	private static function permalink( $post ) {
		$public = clone $post;
		if ( 'publish' !== $public->post_status ) {
			$public->post_status = 'publish';
			if ( '' === $public->post_name ) {
				$public->post_name = sanitize_title( $public->post_title, (string) $public->ID );
			}
		}
		return get_permalink( $public );
	}

	/** Findings as kept and shown: rule, category, severity, reason, where. Never the text. */
	private static function findings( array $answer, array $sections ) {
		$out = array();
		foreach ( (array) ( $answer['findings'] ?? array() ) as $f ) {
			// A finding in a published field (标题, 栏目, 网址) names it.
			$where = isset( $f['location'] ) ? (string) $f['location'] : self::where( (int) ( $f['line'] ?? 0 ), $sections );
			$out[] = self::finding( $f, $where );
		}
		foreach ( (array) ( $answer['attachments'] ?? array() ) as $a ) {
			$name = isset( $a['name'] ) ? (string) $a['name'] : '附件';
			foreach ( (array) ( $a['findings'] ?? array() ) as $f ) {
				$out[] = self::finding( $f, isset( $f['location'] ) ? (string) $f['location'] : $name );
			}
			if ( ! empty( $a['error'] ) ) {
				$out[] = array(
					'rule'     => '',
					'category' => '',
					'severity' => 'review',
					'reason'   => (string) $a['error'],
					'where'    => $name,
				);
			}
		}
		if ( ! empty( $answer['incomplete'] ) ) {
			$out[] = array(
				'rule'     => '',
				'category' => '',
				'severity' => 'review',
				'reason'   => (string) $answer['incomplete'],
				'where'    => '',
			);
		}
		return $out;
	}

	private static function finding( $f, $where ) {
		return array(
			'rule'     => isset( $f['rule'] ) ? (string) $f['rule'] : '',
			'category' => isset( $f['category'] ) ? (string) $f['category'] : '',
			'severity' => isset( $f['severity'] ) ? (string) $f['severity'] : '',
			'reason'   => isset( $f['explanation']['reason'] ) ? (string) $f['explanation']['reason'] : '',
			'where'    => $where,
		);
	}

	private static function where( $line, array $sections ) {
		$label = '';
		$start = 1;
		foreach ( $sections as list( $from, $name ) ) {
			if ( $line >= $from ) {
				$label = $name;
				$start = $from;
			}
		}
		if ( '正文' === $label ) {
			return '正文第' . ( $line - $start + 1 ) . '行';
		}
		return $label;
	}

	// ----- state in post meta -------------------------------------------

	private static function state_from( array $answer, $kind, array $fields ) {
		if ( $answer['error'] ) {
			$state = 'failed';
		} elseif ( $answer['publishable'] ) {
			$state = 'passed';
		} elseif ( 'rejected' === $answer['status'] ) {
			$state = 'rejected';
		} else {
			$state = 'held';
		}
		return array(
			'state'      => $state,
			'kind'       => $kind,
			'review_id'  => $answer['review_id'],
			'decision'   => $answer['decision'],
			'status'     => $answer['status'],
			'findings'   => $answer['findings'],
			'error'      => $answer['error'],
			'hash'       => self::fingerprint( $fields ),
			'revision'   => 0,
			'resolution' => null,
			'at'         => gmdate( 'c' ),
		);
	}

	private static function save_state( $post_id, array $state ) {
		$old = self::state( $post_id );
		// A resubmission of a rejected version keeps the officer's words.
		if ( $old && $old['review_id'] === $state['review_id'] && ! $state['resolution'] ) {
			$state['resolution'] = $old['resolution'];
		}
		update_post_meta( $post_id, self::META, wp_slash( $state ) );
	}

	public static function state( $post_id ) {
		$state = get_post_meta( $post_id, self::META, true );
		return is_array( $state ) && isset( $state['state'] ) ? $state : null;
	}

	private static function log( $post_id, $message ) {
		error_log( "baomi-gate: post {$post_id}: {$message}" ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions
	}

	// ----- the officer's decision: baomi's callback ---------------------

	public static function rest_init() {
		register_rest_route(
			'baomi/v1',
			'/callback',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'callback' ),
				// Anyone may call; only a body signed with the webhook secret is acted on.
				'permission_callback' => '__return_true',
			)
		);
		foreach ( get_post_types( array( 'public' => true ) ) as $type ) {
			if ( ! self::gated_type( $type ) ) {
				continue;
			}
			add_action( "rest_after_insert_{$type}", array( __CLASS__, 'after_rest_save' ), PHP_INT_MAX );
			register_rest_field(
				$type,
				'baomi',
				array(
					'get_callback' => array( __CLASS__, 'rest_field' ),
					'schema'       => array(
						'description' => '保密审查: state, review id, decision, findings (rule, reason, where).',
						'type'        => array( 'object', 'null' ),
						'context'     => array( 'edit' ),
						'readonly'    => true,
					),
				)
			);
		}
	}

	/** The stored state, for those who may edit the post. */
	public static function rest_field( $data ) {
		$id = isset( $data['id'] ) ? (int) $data['id'] : 0;
		return $id && current_user_can( 'edit_post', $id ) ? self::public_state( $id, self::state( $id ) ) : null;
	}

	private static function public_state( $post_id, $state ) {
		if ( ! $state ) {
			return null;
		}
		$notice = self::notice( $state );
		return array(
			'post_id'    => $post_id,
			'state'      => $state['state'],
			'kind'       => $state['kind'],
			'review_id'  => $state['review_id'],
			'decision'   => $state['decision'],
			'status'     => $state['status'],
			'findings'   => $state['findings'],
			'error'      => $state['error'],
			'resolution' => $state['resolution'],
			'revision'   => $state['revision'],
			'message'    => $notice ? $notice['message'] : '',
		);
	}

	/** POST /wp-json/baomi/v1/callback: an officer approved or rejected a review. */
	public static function callback( WP_REST_Request $request ) {
		if ( '' === BAOMI_WEBHOOK_SECRET ) {
			return new WP_Error( 'baomi_not_configured', 'BAOMI_WEBHOOK_SECRET is not set: callbacks are refused', array( 'status' => 503 ) );
		}
		$body      = $request->get_body();
		$signature = (string) $request->get_header( 'x_baomi_signature' );
		if ( ! hash_equals( 'sha256=' . hash_hmac( 'sha256', $body, BAOMI_WEBHOOK_SECRET ), $signature ) ) {
			return new WP_Error( 'baomi_bad_signature', 'the X-Baomi-Signature does not match the body', array( 'status' => 401 ) );
		}
		$event = json_decode( $body, true );
		if ( ! is_array( $event ) || ! isset( $event['review_id'], $event['item_id'], $event['status'] ) ) {
			return new WP_Error( 'baomi_bad_callback', 'review_id, item_id and status are required', array( 'status' => 400 ) );
		}
		// Signed but not actionable: answer 2xx so that baomi stops retrying.
		$post_id = self::post_id_of_item( $event['item_id'] );
		$post    = $post_id ? get_post( $post_id ) : null;
		$state   = $post ? self::state( $post_id ) : null;
		if ( ! $state || $state['review_id'] !== $event['review_id'] ) {
			self::log( $post_id, "callback for review {$event['review_id']} ignored: not the post's current review" );
			return array( 'result' => 'ignored' );
		}
		$r                   = is_array( $event['resolution'] ?? null ) ? $event['resolution'] : array();
		$state['status']     = (string) $event['status'];
		$state['resolution'] = array(
			'action'  => (string) ( $r['action'] ?? '' ),
			'opinion' => (string) ( $r['opinion'] ?? '' ),
			'officer' => (string) ( $r['officer'] ?? '' ),
			'level'   => (int) ( $r['level'] ?? 0 ),
			'comment' => (string) ( $r['comment'] ?? '' ),
			'basis'   => (string) ( $r['basis'] ?? '' ),
			'at'      => (string) ( $r['at'] ?? '' ),
		);
		$result = 'kept';
		if ( 'approved' === $event['status'] ) {
			$state['state'] = 'approved';
			if ( 'edit' === $state['kind'] ) {
				$revision = $state['revision'] ? get_post( $state['revision'] ) : null;
				if ( $revision && self::fingerprint( self::fields( $revision ) ) === $state['hash']
					&& 'publish' === $post->post_status && self::release( $post_id, self::fields( $revision ) ) ) {
					$state['state'] = 'passed';
					$result         = 'published';
				}
			} elseif ( 'pending' === $post->post_status && self::fingerprint( self::fields( $post ) ) === $state['hash']
				&& self::release( $post_id, null ) ) {
				$state['state'] = 'passed';
				$result         = 'published';
			}
		} elseif ( 'rejected' === $event['status'] ) {
			$state['state'] = 'rejected';
		}
		update_post_meta( $post_id, self::META, wp_slash( $state ) );
		self::log( $post_id, "review {$event['review_id']} {$event['status']} by the officer: {$result}" );
		return array(
			'result'  => $result,
			'post_id' => $post_id,
		);
	}

	// ----- telling the editor -------------------------------------------

	/** Starts a REST dispatch (batches dispatch each request in turn). */
	public static function rest_begin( $result ) {
		self::$held = array();
		return $result;
	}

	/** A REST save of a post that was held answers with an error saying why. */
	public static function rest_answer( $response, $server, $request ) {
		$held = self::$held;
		self::$held = array();
		if ( ! $held || ! $response instanceof WP_REST_Response || $response->is_error() || ! in_array( $request->get_method(), array( 'POST', 'PUT', 'PATCH' ), true )
			|| ! preg_match( '#^/wp/v2/#', $request->get_route() ) ) {
			return $response;
		}
		$first  = $held[0];
		$failed = 'failed' === $first['state']['state'];
		$status = $failed ? 503 : 403;
		$notice = self::notice( $first['state'] );
		return new WP_REST_Response(
			array(
				'code'    => $failed ? 'baomi_unavailable' : 'baomi_held',
				'message' => $notice['message'],
				'data'    => array(
					'status'  => $status,
					'post_id' => $first['post_id'],
					'baomi'   => self::public_state( $first['post_id'], $first['state'] ),
				),
			),
			$status
		);
	}

	/**
	 * XML-RPC methods that save posts answer a fault when the gate held what
	 * they saved (any other method that saves is gated all the same, without
	 * the fault).
	 */
	public static function wrap_xmlrpc( $methods ) {
		$wrapper = new Baomi_Gate_XMLRPC();
		$saving  = array(
			'wp.newPost',
			'wp.editPost',
			'wp.newPage',
			'wp.editPage',
			'wp.restoreRevision',
			'blogger.newPost',
			'blogger.editPost',
			'metaWeblog.newPost',
			'metaWeblog.editPost',
			'mt.publishPost',
		);
		foreach ( $saving as $name ) {
			if ( isset( $methods[ $name ] ) && is_string( $methods[ $name ] ) && 0 === strpos( $methods[ $name ], 'this:' ) ) {
				$methods[ $name ] = array( $wrapper, substr( $methods[ $name ], 5 ) );
			}
		}
		return $methods;
	}

	/** What the current XML-RPC call held, emptied. */
	public static function take_held() {
		$held       = self::$held;
		self::$held = array();
		return $held;
	}

	/** The notice for a stored state: type and message (plain text, no HTML), or null. */
	public static function notice( $state ) {
		if ( ! $state || 'passed' === $state['state'] ) {
			return null;
		}
		$decisions = array(
			'pass'   => '通过',
			'review' => '需人工审查',
			'block'  => '拦截',
		);
		$decision  = $decisions[ $state['decision'] ] ?? $state['decision'];
		$what      = 'edit' === $state['kind'] ? '修改后的版本尚未上线，网站上仍是此前审核通过的版本' : '本文尚未发布';
		$id        = $state['review_id'];
		switch ( $state['state'] ) {
			case 'failed':
				$type = 'error';
				$text = "保密审查未能完成，{$what}：{$state['error']}。请稍后重新发布；如持续出现，请联系网站管理员。";
				break;
			case 'rejected':
				$r    = $state['resolution'];
				$by   = $r ? "审查员{$r['officer']}（第{$r['level']}级）" : '审查员';
				$text = "保密审查：{$by}不予公开（审查编号 {$id}），{$what}。"
					. ( $r ? "意见：{$r['comment']}；依据：{$r['basis']}。" : '' ) . '修改后可重新提交发布。';
				$type = 'error';
				break;
			case 'approved':
				$type = 'info';
				$text = 'schedule' === $state['kind']
					? "保密审查：审查员已批准（审查编号 {$id}），将按预定时间发布。"
					: "保密审查：审查员已批准（审查编号 {$id}），重新点击发布即可上线。";
				break;
			default:
				$type = 'warning';
				$text = 'schedule' === $state['kind']
					? "保密审查：定时发布须先通过审查，已提交审查员审核（审查编号 {$id}，初审结论：{$decision}）；到时仍未批准的不会发布，改为待审。"
					: "保密审查：{$what}，已提交审查员审核（审查编号 {$id}，初审结论：{$decision}）。审查员批准后自动发布"
						. ( 'edit' === $state['kind'] ? '；待审版本保存在“修订”中' : '' ) . '。';
		}
		$lines = array();
		foreach ( array_slice( $state['findings'], 0, self::MAX_SHOWN ) as $f ) {
			$lines[] = ( $f['rule'] ? "[{$f['rule']}] " : '' ) . $f['reason'] . ( $f['where'] ? "（{$f['where']}）" : '' );
		}
		if ( count( $state['findings'] ) > self::MAX_SHOWN ) {
			$lines[] = sprintf( '另有 %d 处', count( $state['findings'] ) - self::MAX_SHOWN );
		}
		if ( $lines ) {
			$text .= ' 发现：' . implode( '；', $lines ) . '。';
		}
		return array(
			'type'    => $type,
			'message' => $text,
		);
	}

	/** Held posts of an admin request (bulk edit, classic editor) are named on the next admin page. */
	private static function flash( $post_id, array $state ) {
		if ( ! is_admin() || wp_doing_ajax() || ! get_current_user_id() ) {
			return;
		}
		$key   = 'baomi_gate_flash_' . get_current_user_id();
		$flash = get_transient( $key );
		$flash = is_array( $flash ) ? $flash : array();
		$flash[ $post_id ] = $state['review_id'];
		set_transient( $key, $flash, HOUR_IN_SECONDS );
	}

	public static function admin_notices() {
		$screen  = get_current_screen();
		$editing = $screen && 'post' === $screen->base && isset( $_GET['post'] ) ? (int) $_GET['post'] : 0; // phpcs:ignore WordPress.Security.NonceVerification
		if ( $editing && current_user_can( 'edit_post', $editing ) ) {
			$notice = self::notice( self::state( $editing ) );
			if ( $notice ) {
				printf(
					'<div class="notice notice-%s baomi-gate-notice"><p>%s</p></div>',
					esc_attr( $notice['type'] ),
					esc_html( $notice['message'] )
				);
			}
		}
		$key   = 'baomi_gate_flash_' . get_current_user_id();
		$flash = get_transient( $key );
		if ( is_array( $flash ) && $flash ) {
			delete_transient( $key );
			unset( $flash[ $editing ] );
			foreach ( $flash as $post_id => $review_id ) {
				$notice = self::notice( self::state( $post_id ) );
				if ( $notice && current_user_can( 'edit_post', $post_id ) ) {
					printf(
						'<div class="notice notice-%s baomi-gate-notice"><p>%s</p></div>',
						esc_attr( $notice['type'] ),
						esc_html( sprintf( '文章 #%d：%s', $post_id, $notice['message'] ) )
					);
				}
			}
		}
	}

	/** The block editor shows the stored state in its notice area. */
	public static function block_editor_notice() {
		global $post;
		if ( ! $post instanceof WP_Post || ! current_user_can( 'edit_post', $post->ID ) ) {
			return;
		}
		$notice = self::notice( self::state( $post->ID ) );
		if ( ! $notice ) {
			return;
		}
		wp_register_script( 'baomi-gate-notice', false, array( 'wp-data', 'wp-dom-ready', 'wp-notices' ), '0.1.0', true );
		wp_enqueue_script( 'baomi-gate-notice' );
		wp_add_inline_script(
			'baomi-gate-notice',
			sprintf(
				'wp.domReady(function(){wp.data.dispatch("core/notices").createNotice(%s,%s,{id:"baomi-gate",isDismissible:false});});',
				wp_json_encode( $notice['type'] ),
				wp_json_encode( $notice['message'], JSON_UNESCAPED_UNICODE | JSON_HEX_TAG | JSON_HEX_AMP )
			)
		);
	}

	public static function column( $columns ) {
		$columns['baomi'] = '保密审查';
		return $columns;
	}

	public static function column_cell( $column, $post_id ) {
		if ( 'baomi' !== $column ) {
			return;
		}
		$state  = self::state( $post_id );
		$labels = array(
			'passed'   => '已通过',
			'held'     => '待审查',
			'rejected' => '不予公开',
			'failed'   => '未能审查',
			'approved' => '已批准',
		);
		if ( ! $state ) {
			echo '—';
			return;
		}
		$label = $labels[ $state['state'] ] ?? $state['state'];
		if ( 'edit' === $state['kind'] && 'passed' !== $state['state'] ) {
			$label = '修改' . $label;
		}
		printf( '%s<br><code>%s</code>', esc_html( $label ), esc_html( $state['review_id'] ) );
		$notice = self::notice( $state );
		if ( $notice ) {
			printf( '<div class="baomi-gate-detail" hidden>%s</div>', esc_html( $notice['message'] ) );
		}
	}
}

/**
 * Stands in for wp_xmlrpc_server's methods: calls the real one, then turns
 * a save the gate held into a fault (the post itself is kept as pending).
 */
final class Baomi_Gate_XMLRPC {
	public function __call( $method, $arguments ) {
		global $wp_xmlrpc_server;
		Baomi_Gate::take_held();
		$result = call_user_func_array( array( $wp_xmlrpc_server, $method ), $arguments );
		$held   = Baomi_Gate::take_held();
		if ( $held && ! $result instanceof IXR_Error ) {
			$notice = Baomi_Gate::notice( $held[0]['state'] );
			return new IXR_Error( 403, sprintf( '文章 #%d：%s', $held[0]['post_id'], $notice['message'] ) );
		}
		return $result;
	}
}

Baomi_Gate::boot();
