<?php
/**
 * Base test case: each test runs inside a database transaction that is rolled back, with WordPress's
 * hooks, request globals and current user restored afterwards; Sapa's HTTP API is answered at
 * WordPress's HTTP layer (pre_http_request) and every request is recorded.
 *
 * @package Sapa
 */

use PHPUnit\Framework\TestCase;

/**
 * Thrown instead of exiting when the code under test redirects.
 */
class Sapa_Test_Redirect extends Exception {
}

/**
 * Thrown instead of exiting when the code under test calls wp_die().
 */
class Sapa_Test_Die extends Exception {
}

/**
 * Shared fixture and helpers.
 */
abstract class Sapa_Test_Case extends TestCase {

	const API_URL = 'https://sapa.example';
	const API_KEY = 'sapa_sk_test0123456789abcdefWXYZ';

	/**
	 * Requests that reached the HTTP layer: list of ['url', 'method', 'headers', 'body'].
	 *
	 * @var array
	 */
	protected $requests = array();

	/**
	 * Whether the test is rolled back and cut off from the network (the default). The integration test
	 * against the local Sapa stack turns both off: Sapa and the fake shop must see what it commits.
	 *
	 * @var bool
	 */
	protected $isolated = true;

	/**
	 * Hooks before the test.
	 *
	 * @var array
	 */
	private $hooks_backup = array();

	/**
	 * did_action counters before the test.
	 *
	 * @var array
	 */
	private $actions_backup = array();

	protected function setUp(): void {
		global $wpdb, $wp_filter, $wp_actions;
		if ( $this->isolated ) {
			$wpdb->query( 'SET autocommit = 0' );
			$wpdb->query( 'START TRANSACTION' );
		}

		$this->hooks_backup = array();
		foreach ( $wp_filter as $name => $hook ) {
			$this->hooks_backup[ $name ] = clone $hook;
		}
		$this->actions_backup = $wp_actions;

		$_GET     = array();
		$_POST    = array();
		$_REQUEST = array();
		$GLOBALS['sapa_test_wc_notices'] = array();
		$GLOBALS['sapa_test_wc_orders']  = array();
		wp_set_current_user( 0 );

		add_filter(
			'wp_die_handler',
			function () {
				return function ( $message, $title = '', $args = array() ) {
					$code = is_array( $args ) && isset( $args['response'] ) ? (int) $args['response'] : 500;
					throw new Sapa_Test_Die( is_string( $message ) ? $message : 'wp_die', $code );
				};
			}
		);
		add_filter(
			'wp_redirect',
			function ( $location ) {
				throw new Sapa_Test_Redirect( $location );
			}
		);
		if ( ! $this->isolated ) {
			return;
		}
		// Last in line: a request no test answered fails loudly instead of going anywhere.
		add_filter(
			'pre_http_request',
			function ( $pre, $args, $url ) {
				if ( false !== $pre ) {
					return $pre;
				}
				$this->record( $url, $args );
				return new WP_Error( 'http_request_not_executed', 'no network in tests' );
			},
			PHP_INT_MAX,
			3
		);
	}

	protected function tearDown(): void {
		global $wpdb, $wp_filter, $wp_actions;
		if ( $this->isolated ) {
			$wpdb->query( 'ROLLBACK' );
			$wpdb->query( 'SET autocommit = 1' );
		}
		wp_cache_flush();

		$wp_filter  = $this->hooks_backup;
		$wp_actions = $this->actions_backup;

		$_GET     = array();
		$_POST    = array();
		$_REQUEST = array();
		wp_set_current_user( 0 );
		$GLOBALS['current_screen'] = null;
		$GLOBALS['wp_styles']      = new WP_Styles();
		$GLOBALS['wp_scripts']     = new WP_Scripts();
		$GLOBALS['wp_query']       = new WP_Query();
		$GLOBALS['wp_the_query']   = $GLOBALS['wp_query'];
	}

	/**
	 * Answers Sapa's HTTP calls with $responder($method, $path, $request) → [status, body|null].
	 *
	 * @param callable $responder Gets the method, the path below API_URL and the recorded request.
	 */
	protected function answer_sapa( callable $responder ) {
		add_filter(
			'pre_http_request',
			function ( $pre, $args, $url ) use ( $responder ) {
				$request = $this->record( $url, $args );
				if ( 0 !== strpos( $url, self::API_URL . '/' ) ) {
					return new WP_Error( 'unexpected_host', 'unexpected request to ' . $url );
				}
				list( $status, $body ) = $responder( $request['method'], substr( $url, strlen( self::API_URL ) ), $request );
				return array(
					'headers'  => array( 'content-type' => 'application/json' ),
					'body'     => null === $body ? '' : wp_json_encode( $body ),
					'response' => array(
						'code'    => $status,
						'message' => get_status_header_desc( $status ),
					),
					'cookies'  => array(),
					'filename' => null,
				);
			},
			10,
			3
		);
	}

	/**
	 * Records a request.
	 *
	 * @param string $url  URL.
	 * @param array  $args wp_remote_request arguments.
	 * @return array
	 */
	private function record( $url, $args ) {
		$request          = array(
			'url'     => $url,
			'method'  => isset( $args['method'] ) ? $args['method'] : 'GET',
			'headers' => isset( $args['headers'] ) ? (array) $args['headers'] : array(),
			'body'    => isset( $args['body'] ) ? $args['body'] : null,
		);
		$this->requests[] = $request;
		return $request;
	}

	/**
	 * A user with a role; rolled back with the test.
	 *
	 * @param string $role Role.
	 * @return int
	 */
	protected function make_user( $role ) {
		$id = wp_insert_user(
			array(
				'user_login' => $role . '-' . wp_generate_password( 8, false ),
				'user_pass'  => wp_generate_password( 24 ),
				'user_email' => $role . '-' . wp_generate_password( 8, false ) . '@example.org',
				'role'       => $role,
			)
		);
		$this->assertIsInt( $id );
		return $id;
	}

	/**
	 * Logs in as the administrator wp_install created.
	 */
	protected function as_admin() {
		$admin = get_user_by( 'login', 'admin' );
		$this->assertInstanceOf( WP_User::class, $admin );
		wp_set_current_user( $admin->ID );
		return $admin->ID;
	}

	/**
	 * A connected shop, written straight into the options (for tests about what follows a connection).
	 *
	 * @param string|null $number WhatsApp number.
	 * @param int         $wc_key_id WooCommerce key row id.
	 */
	protected function given_connected( $number = '+6281100000001', $wc_key_id = 0 ) {
		Sapa_Options::save_connection(
			array(
				'api_url'         => self::API_URL,
				'store_id'        => '00000000-0000-4000-8000-0000000000aa',
				'whatsapp_number' => $number,
				'whatsapp_mode'   => 'provision',
				'wc_key_id'       => $wc_key_id,
				'api_key_last4'   => substr( self::API_KEY, -4 ),
				'connected_at'    => time(),
			),
			self::API_KEY
		);
	}

	/**
	 * Posts a settings-page form through its admin-post action, as admin-post.php does.
	 *
	 * @param string      $action Form action.
	 * @param array       $fields The form's sapa[...] fields.
	 * @param string|null $nonce  Nonce to send (null: a valid one for the current user).
	 * @return string Where the handler redirected.
	 */
	protected function post_form( $action, array $fields, $nonce = null ) {
		$_POST = array(
			'action'   => $action,
			'_wpnonce' => null === $nonce ? wp_create_nonce( $action ) : $nonce,
			'sapa'     => wp_slash( $fields ),
		);
		$_REQUEST = $_POST;
		try {
			do_action( 'admin_post_' . $action );
		} catch ( Sapa_Test_Redirect $redirect ) {
			return $redirect->getMessage();
		}
		$this->fail( "the $action handler neither redirected nor died" );
	}

	/**
	 * Decoded JSON bodies of the recorded requests to a path.
	 *
	 * @param string $method HTTP method.
	 * @param string $path   Path below API_URL.
	 * @return array
	 */
	protected function requests_to( $method, $path ) {
		return array_values(
			array_filter(
				$this->requests,
				function ( $r ) use ( $method, $path ) {
					return $r['method'] === $method && self::API_URL . $path === $r['url'];
				}
			)
		);
	}

	/**
	 * Output of a callable.
	 *
	 * @param callable $print Prints.
	 * @return string
	 */
	protected function capture( callable $print ) {
		ob_start();
		try {
			$print();
		} finally {
			$html = ob_get_clean();
		}
		return $html;
	}

	/**
	 * Whether an option row exists in the database (bypassing the cache).
	 *
	 * @param string $name Option.
	 * @return array|null Row with option_value and autoload.
	 */
	protected function option_row( $name ) {
		global $wpdb;
		return $wpdb->get_row( $wpdb->prepare( "SELECT option_value, autoload FROM {$wpdb->options} WHERE option_name = %s", $name ), ARRAY_A );
	}
}
