<?php
/**
 * WordPress's privacy tools (Tools → Export Personal Data / Erase Personal Data) reach Sapa: the
 * customer's WhatsApp conversations, orders as Sapa mirrors them and profile are exported or erased in
 * Sapa too, through the store's API key, by the requester's e-mail address.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * One exporter and one eraser, registered with WordPress's privacy filters.
 */
class Sapa_Privacy {

	/**
	 * The key both are registered under.
	 */
	const KEY = 'sapa';

	/**
	 * What each exported table is called in WordPress's export (group labels).
	 *
	 * @return array
	 */
	private static function groups() {
		return array(
			'customers'              => __( 'Sapa: WhatsApp customer profile', 'sapa' ),
			'conversations'          => __( 'Sapa: WhatsApp conversations', 'sapa' ),
			'messages'               => __( 'Sapa: WhatsApp messages', 'sapa' ),
			'tickets'                => __( 'Sapa: support tickets', 'sapa' ),
			'conversation_notes'     => __( 'Sapa: team notes', 'sapa' ),
			'orders'                 => __( 'Sapa: orders (mirror)', 'sapa' ),
			'order_items'            => __( 'Sapa: order lines (mirror)', 'sapa' ),
			'reply_jobs'             => __( 'Sapa: assistant replies', 'sapa' ),
			'woocommerce_deliveries' => __( 'Sapa: WooCommerce deliveries received', 'sapa' ),
		);
	}

	/**
	 * Filter wp_privacy_personal_data_exporters.
	 *
	 * @param array $exporters Registered exporters.
	 * @return array
	 */
	public function register_exporter( $exporters ) {
		$exporters[ self::KEY ] = array(
			'exporter_friendly_name' => __( 'Sapa (WhatsApp)', 'sapa' ),
			'callback'               => array( $this, 'export' ),
		);
		return $exporters;
	}

	/**
	 * Filter wp_privacy_personal_data_erasers.
	 *
	 * @param array $erasers Registered erasers.
	 * @return array
	 */
	public function register_eraser( $erasers ) {
		$erasers[ self::KEY ] = array(
			'eraser_friendly_name' => __( 'Sapa (WhatsApp)', 'sapa' ),
			'callback'             => array( $this, 'erase' ),
		);
		return $erasers;
	}

	/**
	 * The exporter: everything Sapa holds about the e-mail's customers, in one page.
	 *
	 * @param string $email_address The requester's e-mail.
	 * @param int    $page          Page (Sapa answers everything on the first).
	 * @return array|WP_Error
	 */
	public function export( $email_address, $page = 1 ) {
		$client = Sapa_Api_Client::for_connected_store();
		if ( null === $client || (int) $page > 1 ) {
			return array(
				'data' => array(),
				'done' => true,
			);
		}
		$answer = $client->export_customer( $email_address );
		if ( is_wp_error( $answer ) ) {
			return $answer;
		}
		$groups = self::groups();
		$items  = array();
		foreach ( (array) $answer['customers'] as $customer ) {
			foreach ( (array) $customer['data'] as $table => $rows ) {
				foreach ( (array) $rows as $index => $row ) {
					$items[] = array(
						'group_id'    => 'sapa-' . $table,
						'group_label' => isset( $groups[ $table ] ) ? $groups[ $table ] : 'Sapa: ' . $table,
						'item_id'     => 'sapa-' . $table . '-' . ( isset( $row['id'] ) ? $row['id'] : $customer['id'] . '-' . $index ),
						'data'        => self::fields( (array) $row ),
					);
				}
			}
		}
		return array(
			'data' => $items,
			'done' => true,
		);
	}

	/**
	 * The eraser: Sapa erases the e-mail's customers (messages redacted, attachments deleted, profile and
	 * orders' personal fields removed; orders kept for the books).
	 *
	 * @param string $email_address The requester's e-mail.
	 * @param int    $page          Page (Sapa erases everything on the first).
	 * @return array|WP_Error
	 */
	public function erase( $email_address, $page = 1 ) {
		$nothing = array(
			'items_removed'  => false,
			'items_retained' => false,
			'messages'       => array(),
			'done'           => true,
		);
		$client  = Sapa_Api_Client::for_connected_store();
		if ( null === $client || (int) $page > 1 ) {
			return $nothing;
		}
		$answer = $client->erase_customer( $email_address );
		if ( is_wp_error( $answer ) ) {
			return $answer;
		}
		$customers = (array) $answer['customers'];
		if ( empty( $customers ) ) {
			return $nothing;
		}
		return array(
			'items_removed'  => true,
			'items_retained' => true,
			'messages'       => array(
				sprintf(
					/* translators: %d: number of customers erased in Sapa */
					_n(
						'Sapa erased %d WhatsApp customer; their orders are kept in Sapa without personal data, for the shop\'s books.',
						'Sapa erased %d WhatsApp customers; their orders are kept in Sapa without personal data, for the shop\'s books.',
						count( $customers ),
						'sapa'
					),
					count( $customers )
				),
			),
			'done'           => true,
		);
	}

	/**
	 * A row as WordPress's name/value pairs; nested values as JSON.
	 *
	 * @param array $row One exported row.
	 * @return array
	 */
	private static function fields( array $row ) {
		$fields = array();
		foreach ( $row as $name => $value ) {
			if ( null === $value || '' === $value || array() === $value ) {
				continue;
			}
			$fields[] = array(
				'name'  => (string) $name,
				'value' => is_scalar( $value ) ? (string) $value : wp_json_encode( $value ),
			);
		}
		return $fields;
	}
}
