<?php
/**
 * Connecting the shop to Sapa and disconnecting it (WOO_CONTRACT).
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The connection's life cycle: connect, follow the store's state, change the sender, disconnect.
 */
class Sapa_Connection {

	/**
	 * Checks and normalises the Sapa API URL an owner typed.
	 *
	 * HTTPS is required because the WooCommerce keys travel in the request; plain HTTP only for a
	 * Sapa running on this machine (development).
	 *
	 * @param string $raw Typed URL.
	 * @return string|WP_Error URL without trailing slash.
	 */
	public static function clean_api_url( $raw ) {
		$url   = untrailingslashit( esc_url_raw( trim( $raw ), array( 'http', 'https' ) ) );
		$parts = '' === $url ? false : wp_parse_url( $url );
		if ( ! is_array( $parts ) || empty( $parts['host'] ) || empty( $parts['scheme'] ) || isset( $parts['query'] ) || isset( $parts['fragment'] ) ) {
			return new WP_Error( 'api_url', __( 'Enter the Sapa API URL, e.g. https://api.sapa.example.', 'sapa' ) );
		}
		$loopback = in_array( strtolower( trim( $parts['host'], '[]' ) ), array( 'localhost', '127.0.0.1', '::1' ), true );
		if ( 'https' !== $parts['scheme'] && ! $loopback ) {
			return new WP_Error( 'api_url', __( 'The Sapa API URL must start with https:// (the shop\'s WooCommerce keys are sent to it).', 'sapa' ) );
		}
		return $url;
	}

	/**
	 * The body of POST /stores/connect.
	 *
	 * @param array $woocommerce_key Output of Sapa_WooCommerce::create_api_key().
	 * @param array $whatsapp        Output of Sapa_WhatsApp_Sender::from_input().
	 * @return array
	 */
	public static function connect_body( array $woocommerce_key, array $whatsapp ) {
		$site = untrailingslashit( home_url() );
		$name = trim( wp_specialchars_decode( get_bloginfo( 'name' ), ENT_QUOTES ) );
		$body = array(
			'site_url'    => $site,
			'name'        => '' === $name ? (string) wp_parse_url( $site, PHP_URL_HOST ) : $name,
			'admin_email' => (string) get_option( 'admin_email' ),
			'currency'    => Sapa_WooCommerce::currency(),
			'timezone'    => self::timezone(),
			'country'     => Sapa_WooCommerce::country(),
			'woocommerce' => array(
				'consumer_key'    => $woocommerce_key['consumer_key'],
				'consumer_secret' => $woocommerce_key['consumer_secret'],
			),
			'whatsapp'    => $whatsapp,
		);
		// An unset WooCommerce currency or country is left out rather than sent empty (Sapa's defaults apply).
		return array_filter(
			$body,
			function ( $value ) {
				return '' !== $value;
			}
		);
	}

	/**
	 * The site's time zone as an IANA name, which Sapa requires.
	 *
	 * WordPress may hold only a UTC offset ("+07:00"); a whole-hour offset becomes its Etc/GMT zone
	 * (whose sign is inverted by definition: +07:00 is Etc/GMT-7), anything else UTC.
	 *
	 * @return string
	 */
	public static function timezone() {
		$zone = wp_timezone_string();
		if ( in_array( $zone, timezone_identifiers_list(), true ) ) {
			return $zone;
		}
		if ( preg_match( '/^([+-])(\d{2}):(\d{2})$/', $zone, $m ) && '00' === $m[3] ) {
			$hours = (int) $m[2];
			if ( 0 === $hours ) {
				return 'UTC';
			}
			if ( $hours <= 14 ) {
				return 'Etc/GMT' . ( '+' === $m[1] ? '-' : '+' ) . $hours;
			}
		}
		return 'UTC';
	}

	/**
	 * Connects the shop: a WooCommerce key for Sapa, POST /stores/connect, then the API key is kept.
	 *
	 * Sapa answers 201 for a new connection, and 200 with "reconnected": true when this shop was connected
	 * already and the plugin lost that connection (a database restore, a reinstall): the new key proved the
	 * shop is the same, Sapa keeps the same store and WhatsApp number and removes its older webhooks. Either
	 * way the REST keys the plugin created before are deleted here.
	 *
	 * @param string $api_url       Clean Sapa API URL.
	 * @param string $connect_token Connect token.
	 * @param array  $whatsapp      Clean "whatsapp" object.
	 * @return array|WP_Error {reconnected: bool, whatsapp_number: string|null, older_keys_deleted: int}
	 */
	public static function connect( $api_url, $connect_token, array $whatsapp ) {
		if ( Sapa_Options::is_connected() ) {
			return new WP_Error( 'sapa_connected', __( 'This shop is already connected to Sapa. Disconnect first.', 'sapa' ) );
		}
		if ( ! Sapa_WooCommerce::is_active() ) {
			return new WP_Error( 'sapa_no_woocommerce', __( 'WooCommerce is not active. Activate WooCommerce, then connect.', 'sapa' ) );
		}

		$key = Sapa_WooCommerce::create_api_key( get_current_user_id() );
		if ( is_wp_error( $key ) ) {
			return $key;
		}

		// WooCommerce pings the new webhooks while Sapa handles the request: Sapa's port must be open already.
		update_option( Sapa_Options::CONNECTING, $api_url, false );
		$client = new Sapa_Api_Client( $api_url );
		$answer = $client->connect( $connect_token, self::connect_body( $key, $whatsapp ) );
		delete_option( Sapa_Options::CONNECTING );
		if ( ! is_wp_error( $answer ) && ( empty( $answer['store_id'] ) || empty( $answer['api_key'] ) || ! is_string( $answer['api_key'] ) ) ) {
			$answer = new WP_Error( 'sapa_bad_response', __( 'Sapa\'s answer had no store id or API key. Nothing was saved.', 'sapa' ) );
		}
		if ( is_wp_error( $answer ) ) {
			// Sapa kept nothing, so neither does the shop: the key would only be an unused door.
			Sapa_WooCommerce::delete_api_key( $key['key_id'] );
			return $answer;
		}

		Sapa_Options::save_connection(
			array(
				'api_url'         => $api_url,
				'store_id'        => sanitize_text_field( (string) $answer['store_id'] ),
				'whatsapp_number' => self::number_from( $answer ),
				'whatsapp_mode'   => $whatsapp['mode'],
				'wc_key_id'       => $key['key_id'],
				'api_key_last4'   => substr( $answer['api_key'], -4 ),
				'connected_at'    => time(),
				'dashboard_url'   => self::dashboard_url_from( $answer ),
				'owner'           => self::owner_from( $answer ),
			),
			$answer['api_key']
		);
		return array(
			'reconnected'        => isset( $answer['reconnected'] ) && true === $answer['reconnected'],
			'whatsapp_number'    => self::number_from( $answer ),
			'older_keys_deleted' => Sapa_WooCommerce::delete_older_api_keys( $key['key_id'] ),
		);
	}

	/**
	 * GET /stores/me, keeping the local copy of the WhatsApp number up to date (the button reads it).
	 *
	 * @return array|WP_Error Sapa's store record.
	 */
	public static function refresh() {
		$client = Sapa_Api_Client::for_connected_store();
		if ( null === $client ) {
			return self::not_connected();
		}
		$store = $client->get_store();
		if ( ! is_wp_error( $store ) ) {
			self::remember_store( $store );
		}
		return $store;
	}

	/**
	 * POST /stores/me/sync.
	 *
	 * @return true|WP_Error
	 */
	public static function start_sync() {
		$client = Sapa_Api_Client::for_connected_store();
		if ( null === $client ) {
			return self::not_connected();
		}
		$answer = $client->start_sync();
		return is_wp_error( $answer ) ? $answer : true;
	}

	/**
	 * PUT /stores/me/whatsapp.
	 *
	 * @param array $whatsapp Clean "whatsapp" object.
	 * @return true|WP_Error
	 */
	public static function change_sender( array $whatsapp ) {
		$client = Sapa_Api_Client::for_connected_store();
		if ( null === $client ) {
			return self::not_connected();
		}
		$store = $client->update_whatsapp( $whatsapp );
		if ( is_wp_error( $store ) ) {
			return $store;
		}
		self::remember_store( $store );
		return true;
	}

	/**
	 * Disconnects: DELETE /stores/me, then the WooCommerce key and the connection are removed here.
	 *
	 * The local clean-up happens even when Sapa cannot be reached or no longer knows the key, so the owner
	 * is never stuck; the returned error then says plainly what happened and what may be left behind. A
	 * shop that is not connected gets 'sapa_not_connected' and nothing changes.
	 *
	 * @return true|WP_Error
	 */
	public static function disconnect() {
		$connection = get_option( Sapa_Options::CONNECTION );
		$connection = is_array( $connection ) ? $connection : array();
		if ( array() === $connection && '' === Sapa_Options::api_key() ) {
			return new WP_Error( 'sapa_not_connected', __( 'This shop is not connected to Sapa: there was nothing to disconnect.', 'sapa' ) );
		}
		$remote = true;
		if ( ! empty( $connection['api_url'] ) && '' !== Sapa_Options::api_key() ) {
			$client = new Sapa_Api_Client( $connection['api_url'], Sapa_Options::api_key() );
			$answer = $client->disconnect();
			if ( is_wp_error( $answer ) && 401 === self::status_of( $answer ) ) {
				$remote = new WP_Error(
					'sapa_connection_unknown',
					sprintf(
						/* translators: %s: Sapa API URL */
						__( 'Sapa no longer knew this connection (its key had been revoked: disconnected already, or replaced by a newer connection), so nothing was disconnected there. This shop\'s key for Sapa and its settings were removed here. If webhooks to %s are still listed under WooCommerce > Settings > Advanced > Webhooks, delete them there.', 'sapa' ),
						$connection['api_url']
					)
				);
			} elseif ( is_wp_error( $answer ) ) {
				$remote = new WP_Error(
					'sapa_disconnect_partial',
					sprintf(
						/* translators: 1: the error, 2: Sapa API URL */
						__( 'Disconnected here, but Sapa could not be told (%1$s). Its webhooks may still be listed under WooCommerce > Settings > Advanced > Webhooks with delivery URLs at %2$s; delete them there.', 'sapa' ),
						$answer->get_error_message(),
						$connection['api_url']
					)
				);
			}
		}
		if ( ! empty( $connection['wc_key_id'] ) ) {
			Sapa_WooCommerce::delete_api_key( (int) $connection['wc_key_id'] );
		}
		Sapa_WooCommerce::delete_older_api_keys( 0 ); // Keys of connections lost before, if any.
		Sapa_Options::forget_connection();
		return $remote;
	}

	/**
	 * Keeps what the storefront needs from Sapa's store record.
	 *
	 * @param array $store GET /stores/me shape.
	 */
	private static function remember_store( array $store ) {
		$changes = array( 'whatsapp_number' => self::number_from( $store ) );
		if ( isset( $store['owner'] ) ) {
			$changes['owner']         = self::owner_from( $store );
			$changes['dashboard_url'] = self::dashboard_url_from( $store );
		}
		if ( isset( $store['whatsapp_mode'] ) && in_array( $store['whatsapp_mode'], array( 'provision', 'own' ), true ) ) {
			$changes['whatsapp_mode'] = $store['whatsapp_mode'];
		}
		Sapa_Options::update_connection( $changes );
	}

	/**
	 * The dashboard's address in an answer ("Open Sapa"), if it is an http(s) URL.
	 *
	 * @param array $answer Sapa's answer.
	 * @return string ('' when none)
	 */
	public static function dashboard_url_from( array $answer ) {
		if ( ! isset( $answer['dashboard_url'] ) || ! is_string( $answer['dashboard_url'] ) ) {
			return '';
		}
		return esc_url_raw( $answer['dashboard_url'], array( 'http', 'https' ) );
	}

	/**
	 * The shop owner's invitation in an answer: {email, status} with status accepted, pending, expired,
	 * revoked or none; null when Sapa does not report it.
	 *
	 * @param array $answer Sapa's answer.
	 * @return array|null
	 */
	public static function owner_from( array $answer ) {
		if ( ! isset( $answer['owner'] ) || ! is_array( $answer['owner'] ) ) {
			return null;
		}
		$owner  = $answer['owner'];
		$status = isset( $owner['status'] ) && in_array( $owner['status'], array( 'accepted', 'pending', 'expired', 'revoked', 'none' ), true ) ? $owner['status'] : 'none';
		return array(
			'email'  => isset( $owner['email'] ) && is_string( $owner['email'] ) ? sanitize_email( $owner['email'] ) : '',
			'status' => $status,
			'error'  => isset( $owner['error'] ) && is_string( $owner['error'] ) ? sanitize_text_field( $owner['error'] ) : '',
		);
	}

	/**
	 * The WhatsApp number in an answer, if it is a valid E.164 number.
	 *
	 * @param array $answer Sapa's answer.
	 * @return string|null
	 */
	private static function number_from( array $answer ) {
		if ( ! isset( $answer['whatsapp_number'] ) || ! is_string( $answer['whatsapp_number'] ) ) {
			return null;
		}
		return Sapa_WhatsApp_Sender::normalise_number( $answer['whatsapp_number'] );
	}

	/**
	 * HTTP status stored on a client error, 0 when none.
	 *
	 * @param WP_Error $error Error.
	 * @return int
	 */
	private static function status_of( WP_Error $error ) {
		$data = $error->get_error_data();
		return is_array( $data ) && isset( $data['status'] ) ? (int) $data['status'] : 0;
	}

	/**
	 * The error for calls that need a connection.
	 *
	 * @return WP_Error
	 */
	private static function not_connected() {
		return new WP_Error( 'sapa_not_connected', __( 'This shop is not connected to Sapa.', 'sapa' ), array( 'status' => 409 ) );
	}
}
