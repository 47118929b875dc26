<?php
/**
 * Finding 3: WordPress delivers WooCommerce's webhooks with wp_safe_remote_request, which refuses every
 * port but 80, 443, 8080 and the site's own (behaviours.md: "Which ports wp_safe_remote_request allows");
 * the plugin opens Sapa's port for Sapa's host only, and shows the pings and deliveries that failed.
 *
 * @package Sapa
 */

/**
 * Sapa's webhooks seen from the shop.
 */
class WebhooksTest extends Sapa_Test_Case {

	const STORE = '00000000-0000-4000-8000-0000000000aa';

	/**
	 * The shop as recorded: http://127.0.0.1:8892 (home), Sapa at another port of the same host.
	 */
	private function shop_at_127_0_0_1_8892() {
		add_filter(
			'option_home',
			function () {
				return 'http://127.0.0.1:8892';
			},
			20
		);
	}

	/**
	 * Connected to Sapa at $api_url.
	 *
	 * @param string $api_url Sapa API URL.
	 */
	private function connected_to( $api_url ) {
		$this->given_connected();
		Sapa_Options::update_connection( array( 'api_url' => $api_url ) );
	}

	/**
	 * Sapa's webhooks in WooCommerce's table, as Sapa creates them (one per topic).
	 *
	 * @param string $base_url Where they deliver.
	 * @param array  $topics   Topic => [status, failure_count, pending_delivery].
	 * @return array<string, int> Topic => webhook id.
	 */
	private function webhooks_in_shop( $base_url, array $topics ) {
		global $wpdb;
		$ids = array();
		foreach ( $topics as $topic => list( $status, $failures, $pending ) ) {
			$wpdb->insert(
				$wpdb->prefix . 'wc_webhooks',
				array(
					'status'           => $status,
					'name'             => "Sapa $topic",
					'user_id'          => 1,
					'delivery_url'     => $base_url . '/webhooks/woocommerce/' . self::STORE,
					'secret'           => 'secret',
					'topic'            => $topic,
					'api_version'      => 3,
					'failure_count'    => $failures,
					'pending_delivery' => $pending,
				)
			);
			$ids[ $topic ] = (int) $wpdb->insert_id;
		}
		return $ids;
	}

	/**
	 * A delivery as WC_Webhook::deliver sends it.
	 *
	 * @param string $url        Delivery URL.
	 * @param int    $webhook_id Webhook.
	 * @param string $topic      Topic.
	 * @return array|WP_Error
	 */
	private function deliver( $url, $webhook_id, $topic ) {
		return wp_safe_remote_request(
			$url,
			array(
				'method'      => 'POST',
				'timeout'     => 5,
				'redirection' => 0,
				'httpversion' => '1.0',
				'user-agent'  => 'WooCommerce/11.0.1 Hookshot (WordPress/' . $GLOBALS['wp_version'] . ')',
				'body'        => '{"id":19}',
				'headers'     => array(
					'Content-Type'       => 'application/json',
					'X-WC-Webhook-Topic' => $topic,
					'X-WC-Webhook-ID'    => $webhook_id,
				),
			)
		);
	}

	/**
	 * A ping as WC_Webhook::deliver_ping sends it.
	 *
	 * @param string $url        Delivery URL.
	 * @param int    $webhook_id Webhook.
	 * @return array|WP_Error
	 */
	private function ping( $url, $webhook_id ) {
		return wp_safe_remote_post(
			$url,
			array(
				'user-agent' => 'WooCommerce/11.0.1 Hookshot (WordPress/' . $GLOBALS['wp_version'] . ')',
				'body'       => 'webhook_id=' . $webhook_id,
			)
		);
	}

	public function test_wordpress_lets_deliveries_reach_sapa_s_port_on_sapa_s_host_only() {
		$this->shop_at_127_0_0_1_8892();
		$sapa = 'http://127.0.0.1:8000/webhooks/woocommerce/' . self::STORE;
		$this->assertFalse( wp_http_validate_url( $sapa ), 'refused without the plugin connected, as recorded' );

		$this->connected_to( 'http://127.0.0.1:8000' );
		$this->assertSame( $sapa, wp_http_validate_url( $sapa ) );
		$this->assertFalse( wp_http_validate_url( 'http://127.0.0.1:8893/webhooks/woocommerce/' . self::STORE ), 'another port stays refused' );
		$this->assertSame( 'http://127.0.0.1:8892/x', wp_http_validate_url( 'http://127.0.0.1:8892/x' ), 'the site\'s own port, as before' );
		$this->assertSame( array( 80, 443, 8080 ), apply_filters( 'http_allowed_safe_ports', array( 80, 443, 8080 ), 'shop.example', 'http://shop.example:8000/' ), 'Sapa\'s port on another host stays refused' );
		$this->assertSame( array( 80, 443, 8080, 8000 ), apply_filters( 'http_allowed_safe_ports', array( 80, 443, 8080 ), '127.0.0.1', $sapa ) );
	}

	public function test_the_port_is_open_while_connecting_when_woocommerce_pings_the_new_webhooks() {
		$this->shop_at_127_0_0_1_8892();
		update_option( Sapa_Options::CONNECTING, 'http://127.0.0.1:8000', false );
		$this->assertFalse( Sapa_Options::is_connected() );
		$url = 'http://127.0.0.1:8000/webhooks/woocommerce/' . self::STORE;
		$this->assertSame( $url, wp_http_validate_url( $url ) );
	}

	public function test_a_connect_opens_the_port_during_the_request_and_closes_it_when_refused() {
		$this->as_admin();
		$this->shop_at_127_0_0_1_8892();
		$seen = null;
		$this->answer_sapa(
			function () use ( &$seen ) {
				$seen = get_option( Sapa_Options::CONNECTING );
				return array( 422, array( 'detail' => 'WooCommerce refused the REST API keys (401)' ) );
			}
		);
		Sapa_Connection::connect( self::API_URL, 'token', array( 'mode' => 'provision' ) );
		$this->assertSame( self::API_URL, $seen, 'set while Sapa handles the connect request' );
		$this->assertFalse( get_option( Sapa_Options::CONNECTING ) );
	}

	public function test_failed_pings_and_deliveries_to_sapa_are_recorded_and_shown_on_the_settings_page() {
		// Sapa on a LAN address: WordPress refuses it before connecting ("A valid URL was not provided."),
		// the way it refused Sapa's port before the fix.
		$base = 'https://10.1.2.3:8443';
		$this->connected_to( $base );
		$ids = $this->webhooks_in_shop(
			$base,
			array(
				'order.created'   => array( 'active', 0, 1 ),
				'order.updated'   => array( 'active', 3, 0 ),
				'product.updated' => array( 'disabled', 6, 0 ),
				'customer.created' => array( 'active', 0, 0 ),
			)
		);
		$url = $base . '/webhooks/woocommerce/' . self::STORE;
		remove_all_filters( 'pre_http_request' ); // Let WordPress's own checks answer (they refuse before any network).

		$ping = $this->ping( $url, $ids['order.created'] );
		$this->assertSame( 'A valid URL was not provided.', $ping->get_error_message() );
		$delivery = $this->deliver( $url, $ids['order.updated'], 'order.updated' );
		$this->assertSame( 'A valid URL was not provided.', $delivery->get_error_message() );
		$this->deliver( $url, $ids['order.updated'], 'order.updated' );
		// Another plugin's webhook to another URL is none of Sapa's business.
		$this->deliver( 'https://10.9.9.9/hook', 999, 'order.updated' );

		$recorded = Sapa_Webhooks::recorded();
		$this->assertSame( array( $ids['order.created'], $ids['order.updated'] ), array_keys( $recorded ) );
		$this->assertSame( 'Ping: A valid URL was not provided.', $recorded[ $ids['order.created'] ]['last_error'] );
		$this->assertSame( 2, $recorded[ $ids['order.updated'] ]['failed'] );
		$this->assertSame( 'Delivery: A valid URL was not provided.', $recorded[ $ids['order.updated'] ]['last_error'] );

		$this->as_admin();
		$html = $this->capture( array( new Sapa_Settings_Page(), 'render' ) );
		$this->assertMatchesRegularExpression( '#<code>order\.created</code></td>\s*<td>active</td>\s*<td>0</td>\s*<td>WooCommerce&\#039;s test ping never reached Sapa\. Ping: A valid URL was not provided\.</td>#', $html );
		$this->assertMatchesRegularExpression( '#<code>order\.updated</code></td>\s*<td>active</td>\s*<td>3</td>\s*<td>Delivery: A valid URL was not provided\.</td>#', $html );
		$this->assertMatchesRegularExpression( '#<code>product\.updated</code></td>\s*<td>disabled</td>\s*<td>6</td>\s*<td>WooCommerce disabled it after failed deliveries#', $html );
		$this->assertMatchesRegularExpression( '#<tr class="sapa-webhook-ok">\s*<td><code>customer\.created</code></td>\s*<td>active</td>\s*<td>0</td>\s*<td></td>#', $html );
		$this->assertStringContainsString( 'id="sapa-webhooks-remote"', $html );
	}

	public function test_a_delivery_that_went_through_clears_the_failure() {
		$this->connected_to( 'http://127.0.0.1:8000' );
		$ids  = $this->webhooks_in_shop( 'http://127.0.0.1:8000', array( 'order.updated' => array( 'active', 1, 0 ) ) );
		$url  = 'http://127.0.0.1:8000/webhooks/woocommerce/' . self::STORE;
		$args = array(
			'user-agent' => 'WooCommerce/11.0.1 Hookshot (WordPress/7.1.4)',
			'headers'    => array(
				'X-WC-Webhook-ID'    => $ids['order.updated'],
				'X-WC-Webhook-Topic' => 'order.updated',
			),
			'body'       => '{}',
		);
		$webhooks = new Sapa_Webhooks();
		$webhooks->record_delivery( array( 'response' => array( 'code' => 500 ) ), 'response', 'Requests', $args, $url );
		$this->assertSame( 'Delivery: Sapa answered HTTP 500', Sapa_Webhooks::recorded()[ $ids['order.updated'] ]['last_error'] );
		$this->assertCount( 1, Sapa_Webhooks::failing() );

		$webhooks->record_delivery( array( 'response' => array( 'code' => 200 ) ), 'response', 'Requests', $args, $url );
		$this->assertSame( 0, Sapa_Webhooks::recorded()[ $ids['order.updated'] ]['failed'] );
		$this->assertSame( array(), Sapa_Webhooks::failing() );
		$this->assertSame( '', Sapa_Webhooks::in_shop( self::STORE )[0]['last_error'] );
	}

	public function test_failures_of_webhooks_no_longer_in_the_shop_are_still_shown() {
		$this->connected_to( 'http://127.0.0.1:8000' );
		$webhooks = new Sapa_Webhooks();
		$webhooks->record_delivery(
			new WP_Error( 'http_request_failed', 'cURL error 7: Failed to connect' ),
			'response',
			'Requests',
			array(
				'user-agent' => 'WooCommerce/11.0.1 Hookshot (WordPress/7.1.4)',
				'body'       => 'webhook_id=41',
			),
			'http://127.0.0.1:8000/webhooks/woocommerce/' . self::STORE
		);
		$this->as_admin();
		$html = $this->capture( array( new Sapa_Settings_Page(), 'render' ) );
		$this->assertStringContainsString( 'No webhook to Sapa was found in WooCommerce.', $html );
		$this->assertStringContainsString( 'Webhook #41 could not reach Sapa: Ping: cURL error 7: Failed to connect', $html );
	}
}
