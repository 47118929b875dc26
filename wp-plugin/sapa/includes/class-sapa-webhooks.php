<?php
/**
 * WooCommerce's webhooks to Sapa, seen from the shop: WordPress allowed to deliver to Sapa's port, each
 * ping and delivery to Sapa recorded when it fails, and the webhooks' own state in WooCommerce's table.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * WooCommerce sends webhooks with wp_safe_remote_request, which allows only ports 80, 443 and 8080 (and the
 * site's own port on the site's own host) and refuses anything else with "A valid URL was not provided."
 * before connecting; it then keeps the webhook "Active" and shows nothing. So the plugin opens Sapa's port,
 * for Sapa's host only, and records every failed ping or delivery to Sapa where the settings page shows it.
 */
class Sapa_Webhooks {

	/**
	 * The path Sapa receives WooCommerce webhooks under: /webhooks/woocommerce/<store id>.
	 */
	const DELIVERY_PATH = '#/webhooks/woocommerce/([0-9a-fA-F-]{36})/?$#';

	/**
	 * Most deliveries kept per webhook in the record (the latest failure and the latest success).
	 */
	const MAX_RECORDED = 20;

	/**
	 * The Sapa API URL the shop is connected to, or is connecting to right now (WooCommerce pings the new
	 * webhooks while Sapa handles the connect request, before the connection is saved).
	 *
	 * @return string '' when neither.
	 */
	public static function sapa_url() {
		$connection = get_option( Sapa_Options::CONNECTION );
		if ( is_array( $connection ) && ! empty( $connection['api_url'] ) ) {
			return (string) $connection['api_url'];
		}
		return (string) get_option( Sapa_Options::CONNECTING, '' );
	}

	/**
	 * Filter http_allowed_safe_ports: adds the port of the Sapa API URL when the request goes to its host.
	 *
	 * @param int[]  $ports Allowed ports.
	 * @param string $host  Host of the requested URL.
	 * @param string $url   Requested URL.
	 * @return int[]
	 */
	public function allow_sapa_port( $ports, $host = '', $url = '' ) {
		unset( $url );
		$sapa = wp_parse_url( self::sapa_url() );
		if ( ! is_array( $ports ) || ! is_array( $sapa ) || empty( $sapa['host'] ) || empty( $sapa['port'] ) ) {
			return $ports;
		}
		if ( strtolower( trim( (string) $host, '.' ) ) === strtolower( trim( $sapa['host'], '[].' ) ) && ! in_array( (int) $sapa['port'], $ports, true ) ) {
			$ports[] = (int) $sapa['port'];
		}
		return $ports;
	}

	/**
	 * Action http_api_debug: WordPress reports every request's outcome here, including the ones it refused
	 * before connecting. A ping ("webhook_id=N") or a delivery (X-WC-Webhook-ID) to Sapa's webhook URL is
	 * recorded: its failure with WordPress's or Sapa's answer, or that it went through.
	 *
	 * @param array|WP_Error $response Response or error.
	 * @param string         $context  'response'.
	 * @param string         $class    Transport.
	 * @param array          $args     Request arguments.
	 * @param string         $url      URL.
	 */
	public function record_delivery( $response, $context, $class, $args, $url ) {
		unset( $class );
		if ( 'response' !== $context || ! is_array( $args ) ) {
			return;
		}
		$headers = isset( $args['headers'] ) && is_array( $args['headers'] ) ? $args['headers'] : array();
		$body    = isset( $args['body'] ) && is_string( $args['body'] ) ? $args['body'] : '';
		$agent   = isset( $args['user-agent'] ) ? (string) $args['user-agent'] : '';
		if ( isset( $headers['X-WC-Webhook-ID'] ) ) {
			$kind       = 'delivery';
			$webhook_id = (int) $headers['X-WC-Webhook-ID'];
			$topic      = isset( $headers['X-WC-Webhook-Topic'] ) ? sanitize_text_field( (string) $headers['X-WC-Webhook-Topic'] ) : '';
		} elseif ( false !== strpos( $agent, 'Hookshot' ) && preg_match( '/^webhook_id=(\d+)$/', $body, $m ) ) {
			$kind       = 'ping';
			$webhook_id = (int) $m[1];
			$topic      = '';
		} else {
			return;
		}
		// A URL WordPress refused arrives here as false: the webhook's own row says where it goes.
		$target = is_string( $url ) && '' !== $url ? $url : self::delivery_url( $webhook_id );
		if ( ! preg_match( self::DELIVERY_PATH, (string) wp_parse_url( $target, PHP_URL_PATH ) ) ) {
			return;
		}

		if ( is_wp_error( $response ) ) {
			$error = $response->get_error_message();
		} else {
			$status = (int) wp_remote_retrieve_response_code( $response );
			// WooCommerce counts 2xx, 301 and 302 as delivered; its ping wants 200.
			$ok = 'ping' === $kind ? 200 === $status : ( $status >= 200 && $status < 303 );
			/* translators: %d: HTTP status code */
			$error = $ok ? '' : sprintf( __( 'Sapa answered HTTP %d', 'sapa' ), $status );
		}
		self::remember( $webhook_id, $kind, $topic, $error );
	}

	/**
	 * A webhook's delivery URL from WooCommerce's table ('' when unknown).
	 *
	 * @param int $webhook_id Webhook id.
	 * @return string
	 */
	private static function delivery_url( $webhook_id ) {
		global $wpdb;
		$table = $wpdb->prefix . 'wc_webhooks';
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- read only; table name from $wpdb->prefix.
		$url = $wpdb->get_var( $wpdb->prepare( "SELECT delivery_url FROM {$table} WHERE webhook_id = %d", $webhook_id ) );
		return is_string( $url ) ? $url : '';
	}

	/**
	 * Keeps the outcome of one ping or delivery (a non-autoloaded option: the settings page reads it).
	 *
	 * @param int    $webhook_id WooCommerce webhook id.
	 * @param string $kind       'ping' or 'delivery'.
	 * @param string $topic      Topic ('' for a ping).
	 * @param string $error      '' when it went through.
	 */
	private static function remember( $webhook_id, $kind, $topic, $error ) {
		$record = self::recorded();
		$entry  = isset( $record[ $webhook_id ] ) ? $record[ $webhook_id ] : array(
			'topic'      => '',
			'failed'     => 0,
			'last_error' => '',
			'failed_at'  => 0,
			'ok_at'      => 0,
		);
		if ( '' !== $topic ) {
			$entry['topic'] = $topic;
		}
		if ( '' === $error ) {
			$entry['failed'] = 0;
			$entry['ok_at']  = time();
		} else {
			$entry['failed']     = min( (int) $entry['failed'] + 1, 1000 );
			$entry['last_error'] = ( 'ping' === $kind ? __( 'Ping', 'sapa' ) : __( 'Delivery', 'sapa' ) ) . ': ' . $error;
			$entry['failed_at']  = time();
		}
		$record[ $webhook_id ] = $entry;
		if ( count( $record ) > self::MAX_RECORDED ) {
			uasort(
				$record,
				function ( $a, $b ) {
					return max( $b['failed_at'], $b['ok_at'] ) - max( $a['failed_at'], $a['ok_at'] );
				}
			);
			$record = array_slice( $record, 0, self::MAX_RECORDED, true );
		}
		update_option( Sapa_Options::WEBHOOK_LOG, $record, false );
	}

	/**
	 * The recorded outcomes, by webhook id.
	 *
	 * @return array<int, array{topic: string, failed: int, last_error: string, failed_at: int, ok_at: int}>
	 */
	public static function recorded() {
		$record = get_option( Sapa_Options::WEBHOOK_LOG, array() );
		return is_array( $record ) ? $record : array();
	}

	/**
	 * Sapa's webhooks as WooCommerce keeps them (its wc_webhooks table; read only), with what the plugin
	 * recorded of their pings and deliveries: those whose delivery URL is Sapa's URL for this store.
	 *
	 * @param string $store_id Sapa store id.
	 * @return array[] Each: id, topic, status, failure_count (WooCommerce's failures in a row; it disables a
	 *                 webhook at the 7th), ping_pending (its ping was never answered with 200), last_error.
	 */
	public static function in_shop( $store_id ) {
		global $wpdb;
		$table = $wpdb->prefix . 'wc_webhooks';
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- read only; WooCommerce may be inactive or older.
		if ( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $table ) ) ) !== $table ) {
			return array();
		}
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from $wpdb->prefix.
		$rows     = $wpdb->get_results( $wpdb->prepare( "SELECT webhook_id, status, topic, failure_count, pending_delivery FROM {$table} WHERE delivery_url LIKE %s ORDER BY topic, webhook_id", '%' . $wpdb->esc_like( '/webhooks/woocommerce/' . $store_id ) ), ARRAY_A );
		$recorded = self::recorded();
		$webhooks = array();
		foreach ( (array) $rows as $row ) {
			$id         = (int) $row['webhook_id'];
			$webhooks[] = array(
				'id'            => $id,
				'topic'         => (string) $row['topic'],
				'status'        => (string) $row['status'],
				'failure_count' => (int) $row['failure_count'],
				'ping_pending'  => '1' === (string) $row['pending_delivery'],
				'last_error'    => isset( $recorded[ $id ] ) && $recorded[ $id ]['failed'] > 0 ? (string) $recorded[ $id ]['last_error'] : '',
			);
		}
		return $webhooks;
	}

	/**
	 * Failed pings and deliveries to Sapa that the plugin recorded and that are still failing (for
	 * webhooks it no longer finds in the shop too, e.g. while connecting).
	 *
	 * @return array[] Each: id, topic, failed (in a row), last_error, failed_at.
	 */
	public static function failing() {
		$failing = array();
		foreach ( self::recorded() as $id => $entry ) {
			if ( $entry['failed'] > 0 ) {
				$failing[] = array( 'id' => (int) $id ) + $entry;
			}
		}
		return $failing;
	}
}
