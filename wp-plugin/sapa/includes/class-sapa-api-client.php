<?php
/**
 * HTTP client for the Sapa API (WOO_CONTRACT: /stores/connect and /stores/me*), over WordPress's HTTP API.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Talks JSON to Sapa; every failure comes back as a WP_Error whose message a shop owner can read.
 */
class Sapa_Api_Client {

	/**
	 * Seconds to wait for /stores/connect: Sapa checks the WooCommerce keys against this shop, creates
	 * webhooks and may provision a WhatsApp number before it answers.
	 */
	const CONNECT_TIMEOUT = 60;

	/**
	 * Seconds to wait for the other calls.
	 */
	const TIMEOUT = 15;

	/**
	 * Base URL without a trailing slash.
	 *
	 * @var string
	 */
	private $base_url;

	/**
	 * The store's API key ('' before connecting).
	 *
	 * @var string
	 */
	private $api_key;

	/**
	 * Constructor.
	 *
	 * @param string $base_url Sapa API URL.
	 * @param string $api_key  The store's API key, when connected.
	 */
	public function __construct( $base_url, $api_key = '' ) {
		$this->base_url = untrailingslashit( $base_url );
		$this->api_key  = (string) $api_key;
	}

	/**
	 * A client for the connected store, or null when not connected.
	 *
	 * @return Sapa_Api_Client|null
	 */
	public static function for_connected_store() {
		$connection = Sapa_Options::connection();
		if ( null === $connection ) {
			return null;
		}
		return new self( $connection['api_url'], Sapa_Options::api_key() );
	}

	/**
	 * POST /stores/connect.
	 *
	 * @param string $connect_token Token the Sapa operator gave the owner.
	 * @param array  $body          Request body (contract shape).
	 * @return array|WP_Error Decoded body: 201 for a new connection, 200 with "reconnected": true for a shop
	 *                        Sapa had connected already.
	 */
	public function connect( $connect_token, array $body ) {
		return $this->request(
			'POST',
			'/stores/connect',
			array( 'X-Sapa-Connect-Token' => $connect_token ),
			$body,
			array( 200, 201 ),
			self::CONNECT_TIMEOUT
		);
	}

	/**
	 * GET /stores/me.
	 *
	 * @return array|WP_Error
	 */
	public function get_store() {
		return $this->request( 'GET', '/stores/me', $this->auth(), null, array( 200 ), self::TIMEOUT );
	}

	/**
	 * POST /stores/me/sync (start or resume the backfill).
	 *
	 * @return array|WP_Error
	 */
	public function start_sync() {
		return $this->request( 'POST', '/stores/me/sync', $this->auth(), null, array( 202 ), self::TIMEOUT );
	}

	/**
	 * PUT /stores/me/whatsapp.
	 *
	 * @param array $whatsapp The "whatsapp" object of the contract.
	 * @return array|WP_Error The store (GET /stores/me shape).
	 */
	public function update_whatsapp( array $whatsapp ) {
		return $this->request( 'PUT', '/stores/me/whatsapp', $this->auth(), $whatsapp, array( 200 ), self::CONNECT_TIMEOUT );
	}

	/**
	 * DELETE /stores/me: Sapa removes its webhooks, forgets the WooCommerce keys and revokes the API key.
	 *
	 * @return array|WP_Error
	 */
	public function disconnect() {
		return $this->request( 'DELETE', '/stores/me', $this->auth(), null, array( 204 ), self::TIMEOUT );
	}

	/**
	 * GET /stores/me/customers/export: what Sapa holds about the customers with this e-mail.
	 *
	 * @param string $email E-mail address.
	 * @return array|WP_Error {"customers": [{"id", "data": {table: [row, …]}}]}
	 */
	public function export_customer( $email ) {
		$path = '/stores/me/customers/export?' . http_build_query( array( 'email' => $email ), '', '&', PHP_QUERY_RFC3986 );
		return $this->request( 'GET', $path, $this->auth(), null, array( 200 ), self::CONNECT_TIMEOUT );
	}

	/**
	 * POST /stores/me/customers/erase: Sapa erases the customers with this e-mail.
	 *
	 * @param string $email E-mail address.
	 * @return array|WP_Error {"customers": [{"id", "erased": {table: rows}}]}
	 */
	public function erase_customer( $email ) {
		return $this->request( 'POST', '/stores/me/customers/erase', $this->auth(), array( 'email' => $email ), array( 200 ), self::CONNECT_TIMEOUT );
	}

	/**
	 * The bearer header.
	 *
	 * @return array
	 */
	private function auth() {
		return array( 'Authorization' => 'Bearer ' . $this->api_key );
	}

	/**
	 * Sends one request and decodes the answer.
	 *
	 * @param string     $method   HTTP method.
	 * @param string     $path     Path below the base URL.
	 * @param array      $headers  Extra headers.
	 * @param array|null $body     JSON body.
	 * @param int[]      $expected Accepted status codes.
	 * @param int        $timeout  Seconds.
	 * @return array|WP_Error
	 */
	private function request( $method, $path, array $headers, $body, array $expected, $timeout ) {
		$args = array(
			'method'      => $method,
			'timeout'     => $timeout,
			'redirection' => 0,
			'user-agent'  => 'Sapa-WordPress/' . SAPA_VERSION . '; ' . home_url( '/' ),
			'headers'     => array_merge( array( 'Accept' => 'application/json' ), $headers ),
		);
		if ( null !== $body ) {
			$args['headers']['Content-Type'] = 'application/json';
			$args['body']                    = wp_json_encode( $body );
		}

		// The URL is the one the site administrator entered, so wp_remote_request (not the "safe"
		// variant, which refuses private addresses such as a self-hosted Sapa on the LAN).
		$response = wp_remote_request( $this->base_url . $path, $args );
		if ( is_wp_error( $response ) ) {
			return new WP_Error(
				'sapa_unreachable',
				/* translators: 1: Sapa API URL, 2: error from the HTTP library */
				sprintf( __( 'Could not reach Sapa at %1$s: %2$s', 'sapa' ), $this->base_url, $response->get_error_message() )
			);
		}

		$status  = (int) wp_remote_retrieve_response_code( $response );
		$raw     = wp_remote_retrieve_body( $response );
		$decoded = '' === $raw ? array() : json_decode( $raw, true );

		if ( in_array( $status, $expected, true ) ) {
			if ( ! is_array( $decoded ) ) {
				return new WP_Error( 'sapa_bad_response', __( 'Sapa answered with something that is not JSON. Is the Sapa API URL right?', 'sapa' ) );
			}
			return $decoded;
		}

		$detail = is_array( $decoded ) && isset( $decoded['detail'] ) ? self::detail_text( $decoded['detail'] ) : '';
		return new WP_Error( 'sapa_http_' . $status, self::explain( $status, $detail ), array( 'status' => $status ) );
	}

	/**
	 * Plain words for a refused request: Sapa's own explanation when it gave one.
	 *
	 * @param int    $status HTTP status.
	 * @param string $detail Sapa's explanation ('' when none).
	 * @return string
	 */
	private static function explain( $status, $detail ) {
		if ( 401 === $status ) {
			return __( 'Sapa no longer accepts this shop\'s key. Disconnect and connect again.', 'sapa' );
		}
		if ( '' !== $detail ) {
			/* translators: 1: HTTP status code, 2: Sapa's explanation */
			return sprintf( __( 'Sapa refused the request (HTTP %1$d): %2$s', 'sapa' ), $status, $detail );
		}
		switch ( $status ) {
			case 403:
				return __( 'Sapa refused the connect token.', 'sapa' );
			case 404:
				return __( 'Sapa was not found at this address. Check the Sapa API URL.', 'sapa' );
			default:
				/* translators: %d: HTTP status code */
				return sprintf( __( 'Sapa answered with an error (HTTP %d).', 'sapa' ), $status );
		}
	}

	/**
	 * Sapa's "detail" as one line: a string, or a validation error list ([{loc, msg}, ...]).
	 *
	 * @param mixed $detail The "detail" member of an error body.
	 * @return string
	 */
	private static function detail_text( $detail ) {
		if ( is_string( $detail ) ) {
			return $detail;
		}
		if ( ! is_array( $detail ) ) {
			return '';
		}
		$parts = array();
		foreach ( $detail as $item ) {
			if ( ! is_array( $item ) || ! isset( $item['msg'] ) || ! is_string( $item['msg'] ) ) {
				continue;
			}
			$field   = isset( $item['loc'] ) && is_array( $item['loc'] ) ? (string) end( $item['loc'] ) : '';
			$parts[] = '' === $field ? $item['msg'] : $field . ': ' . $item['msg'];
		}
		return implode( '; ', $parts );
	}
}
