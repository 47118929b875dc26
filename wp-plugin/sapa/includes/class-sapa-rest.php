<?php
/**
 * REST routes (namespace sapa/v1) the settings page calls: the store's sync status and "resume sync".
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Proxies GET /stores/me and POST /stores/me/sync so the API key never reaches the browser.
 */
class Sapa_Rest {

	const NAMESPACE_V1 = 'sapa/v1';

	/**
	 * Registers the routes (rest_api_init).
	 */
	public function register_routes() {
		register_rest_route(
			self::NAMESPACE_V1,
			'/status',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( $this, 'status' ),
				'permission_callback' => array( $this, 'can_manage' ),
			)
		);
		register_rest_route(
			self::NAMESPACE_V1,
			'/sync',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( $this, 'sync' ),
				'permission_callback' => array( $this, 'can_manage' ),
			)
		);
	}

	/**
	 * Only users who may configure Sapa.
	 *
	 * @return bool
	 */
	public function can_manage() {
		return current_user_can( Sapa_Plugin::CAPABILITY );
	}

	/**
	 * GET /sapa/v1/status: connection state and sync progress, without secrets.
	 *
	 * @return WP_REST_Response|WP_Error
	 */
	public function status() {
		if ( ! Sapa_Options::is_connected() ) {
			return rest_ensure_response( array( 'connected' => false ) );
		}
		$store = Sapa_Connection::refresh();
		if ( is_wp_error( $store ) ) {
			return self::upstream_error( $store );
		}
		return rest_ensure_response(
			array(
				'connected'       => true,
				'store_id'        => isset( $store['store_id'] ) ? (string) $store['store_id'] : '',
				'whatsapp_number' => isset( $store['whatsapp_number'] ) && is_string( $store['whatsapp_number'] ) ? $store['whatsapp_number'] : null,
				'whatsapp_mode'   => isset( $store['whatsapp_mode'] ) ? (string) $store['whatsapp_mode'] : '',
				'sync'            => self::clean_sync( isset( $store['sync'] ) && is_array( $store['sync'] ) ? $store['sync'] : array() ),
				'webhooks'        => isset( $store['webhooks'] ) && is_array( $store['webhooks'] ) ? self::clean_webhooks( $store['webhooks'] ) : null,
				'owner'           => Sapa_Connection::owner_from( $store ),
				'owner_text'      => Sapa_Settings_Page::owner_text( Sapa_Connection::owner_from( $store ) ),
				'dashboard_url'   => Sapa_Connection::dashboard_url_from( $store ),
			)
		);
	}

	/**
	 * POST /sapa/v1/sync: start or resume the backfill.
	 *
	 * @return WP_REST_Response|WP_Error
	 */
	public function sync() {
		$result = Sapa_Connection::start_sync();
		if ( is_wp_error( $result ) ) {
			return self::upstream_error( $result );
		}
		return new WP_REST_Response( array( 'started' => true ), 202 );
	}

	/**
	 * Keeps only the documented sync fields, typed.
	 *
	 * @param array $sync Sapa's sync object.
	 * @return array
	 */
	private static function clean_sync( array $sync ) {
		$resources = array();
		foreach ( array( 'orders', 'customers', 'products' ) as $name ) {
			$one                = isset( $sync['resources'][ $name ] ) && is_array( $sync['resources'][ $name ] ) ? $sync['resources'][ $name ] : array();
			$resources[ $name ] = array(
				'done'  => isset( $one['done'] ) ? (int) $one['done'] : 0,
				'total' => isset( $one['total'] ) && is_numeric( $one['total'] ) ? (int) $one['total'] : null,
			);
		}
		$status = isset( $sync['status'] ) && in_array( $sync['status'], array( 'pending', 'running', 'done', 'failed' ), true ) ? $sync['status'] : 'pending';
		return array(
			'status'     => $status,
			'error'      => isset( $sync['error'] ) && is_string( $sync['error'] ) ? $sync['error'] : null,
			'resources'  => $resources,
			'updated_at' => isset( $sync['updated_at'] ) && is_string( $sync['updated_at'] ) ? $sync['updated_at'] : null,
		);
	}

	/**
	 * Sapa's view of its webhooks in this shop (GET /stores/me "webhooks": [{topic, status, failures}]),
	 * typed; entries without a topic are dropped.
	 *
	 * @param array $webhooks Sapa's list.
	 * @return array
	 */
	private static function clean_webhooks( array $webhooks ) {
		$clean = array();
		foreach ( $webhooks as $webhook ) {
			if ( ! is_array( $webhook ) || ! isset( $webhook['topic'] ) || ! is_string( $webhook['topic'] ) || '' === $webhook['topic'] ) {
				continue;
			}
			$clean[] = array(
				'topic'    => $webhook['topic'],
				'status'   => isset( $webhook['status'] ) && is_string( $webhook['status'] ) ? $webhook['status'] : 'unknown',
				'failures' => isset( $webhook['failures'] ) && is_numeric( $webhook['failures'] ) ? (int) $webhook['failures'] : null,
			);
		}
		return $clean;
	}

	/**
	 * A Sapa failure as a REST error: 409 when not connected, 502 when Sapa refused or was unreachable.
	 *
	 * @param WP_Error $error Error from the client.
	 * @return WP_Error
	 */
	private static function upstream_error( WP_Error $error ) {
		$status = 'sapa_not_connected' === $error->get_error_code() ? 409 : 502;
		return new WP_Error( $error->get_error_code(), $error->get_error_message(), array( 'status' => $status ) );
	}
}
