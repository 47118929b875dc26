<?php
/**
 * The plugin against the real Sapa: the local stack's functions API (FUNCTIONS_URL, over HTTP), with this
 * site's WooCommerce REST API played by support/fake_shop.py at the site's own URL. run.sh runs this file
 * whenever it runs inside `sapa exec` (which `make test` does).
 *
 * Connect (the settings form) → Sapa checks the key the plugin created at the shop, creates its webhooks
 * there and copies the shop → the sync status through sapa/v1/status → a checkout's WhatsApp opt-in, on an
 * order WooCommerce delivers to Sapa's webhook, opts the customer in → Disconnect (the settings form) →
 * Sapa deleted its webhooks in the shop and no longer accepts the plugin's key → a restored copy of the site
 * disconnects honestly (Sapa answers 401) → a second Disconnect finds nothing to do.
 *
 * @package Sapa
 */

/**
 * End to end with the local stack.
 */
class StackTest extends Sapa_Test_Case {

	/**
	 * Sapa and the fake shop must see what the test commits; HTTP is real.
	 *
	 * @var bool
	 */
	protected $isolated = false;

	/**
	 * Seconds the backfill may take: about 3 (0.5 s between requests to the shop), more when it waits
	 * behind other background jobs of the stack (one background worker).
	 */
	const SYNC_TIMEOUT = 45;

	/**
	 * Functions API of the local stack.
	 *
	 * @var string
	 */
	private $sapa;

	/**
	 * The fake shop (this site's URL).
	 *
	 * @var string
	 */
	private $shop;

	protected function setUp(): void {
		parent::setUp();
		foreach ( array( 'FUNCTIONS_URL', 'API_URL', 'SERVICE_ROLE_KEY', 'SAPA_FAKE_SHOP_URL' ) as $name ) {
			$this->assertNotEmpty( getenv( $name ), "$name is not set: run wp-plugin/tests/run.sh inside `sapa exec`" );
		}
		$this->sapa = rtrim( getenv( 'FUNCTIONS_URL' ), '/' );
		$this->shop = rtrim( getenv( 'SAPA_FAKE_SHOP_URL' ), '/' );
		$this->assertSame( $this->shop, untrailingslashit( home_url() ), 'the site lives where its WooCommerce REST API answers' );
	}

	public function test_connect_sync_checkout_opt_in_and_disconnect_against_the_local_stack() {
		global $wpdb;
		$typed_number = '0812 ' . wp_rand( 1000, 9999 ) . ' ' . wp_rand( 1000, 9999 );
		$e164         = '+62' . substr( str_replace( ' ', '', $typed_number ), 1 );

		// The shop: two customers (one with the number she will type at checkout), three orders, four products.
		$this->control(
			'POST',
			'seed',
			array(
				'customers' => array(
					array(
						'id'    => 7,
						'phone' => str_replace( ' ', '-', $typed_number ),
					),
					array(
						'id'         => 8,
						'phone'      => '',
						'first_name' => 'Dewi',
					),
				),
				'orders'    => array(
					array(
						'id'          => 301,
						'customer_id' => 7,
						'phone'       => str_replace( ' ', '-', $typed_number ),
					),
					array(
						'id'          => 302,
						'customer_id' => 8,
						'phone'       => '',
					),
					array(
						'id'          => 303,
						'customer_id' => 0,
						'phone'       => '',
					),
				),
				'products'  => array(
					array( 'id' => 93 ),
					array(
						'id'   => 94,
						'name' => 'Selendang Sutra',
					),
					array(
						'id'   => 95,
						'name' => 'Kain Jarik',
					),
					array(
						'id'   => 96,
						'name' => 'Tas Anyaman',
					),
				),
			)
		);

		// 1. Connect through the settings form, as the owner does.
		$this->as_admin();
		$location = $this->post_form(
			Sapa_Admin_Actions::CONNECT,
			array(
				'api_url'       => $this->sapa . '/',
				'connect_token' => 'sapa-local-connect-token',
				'whatsapp_mode' => 'provision',
			)
		);
		$this->assertSame( Sapa_Settings_Page::url(), $location );
		$notices = Sapa_Notices::take();
		$this->assertSame( 'success', $notices[0]['type'], 'connect failed: ' . $notices[0]['message'] );
		$this->assertTrue( Sapa_Options::is_connected() );
		$connection = Sapa_Options::connection();
		$api_key    = Sapa_Options::api_key();
		$store_id   = $connection['store_id'];
		$this->assertSame( $this->sapa, $connection['api_url'] );
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/', $store_id );
		$this->assertStringStartsWith( 'sapa_sk_', $api_key );
		$this->assertNull( $connection['whatsapp_number'], 'the local stack connects without a WhatsApp number (sandbox)' );

		// Sapa used the key the plugin created (the fake checks it in this site's woocommerce_api_keys)...
		$key_row = $wpdb->get_row( $wpdb->prepare( "SELECT permissions FROM {$wpdb->prefix}woocommerce_api_keys WHERE key_id = %d", $connection['wc_key_id'] ), ARRAY_A );
		$this->assertSame( array( 'permissions' => 'read_write' ), $key_row );
		$state = $this->control( 'GET', 'state' );
		$this->assertContains( array( 'GET', '/wp-json/wc/v3/orders' ), $this->seen( $state ), 'Sapa checked the keys at the shop' );
		// ...and created its eleven webhooks there (the nine of order/customer/product created/updated/deleted and
		// the two restores), all pointing at its own URL for this store, with one secret.
		$topics = array_column( $state['webhooks'], 'topic' );
		sort( $topics );
		$expected = array();
		foreach ( array( 'customer', 'order', 'product' ) as $resource ) {
			foreach ( array( 'created', 'deleted', 'updated' ) as $event ) {
				$expected[] = "$resource.$event";
			}
		}
		$expected[] = 'order.restored';
		$expected[] = 'product.restored';
		sort( $expected );
		$this->assertSame( $expected, $topics );
		$this->assertSame( array( $this->sapa . '/webhooks/woocommerce/' . $store_id ), array_values( array_unique( array_column( $state['webhooks'], 'delivery_url' ) ) ) );
		$this->assertCount( 1, array_unique( array_column( $state['webhooks'], 'secret' ) ) );
		$this->assertGreaterThanOrEqual( 32, strlen( $state['webhooks'][0]['secret'] ) );
		$this->assertCount( 11, $state['pings'], 'WooCommerce pinged each new webhook' );

		// 2. The settings page shows the connection (never the key), and sapa/v1/status the sync from
		// GET /stores/me until Sapa has copied the whole shop.
		$page = $this->capture(
			function () {
				( new Sapa_Settings_Page() )->render();
			}
		);
		$this->assertStringContainsString( '<code>' . esc_html( $this->sapa ) . '</code>', $page );
		$this->assertStringContainsString( '<code>' . $store_id . '</code>', $page );
		$this->assertStringContainsString( 'id="sapa-sync-status"', $page );
		$this->assertStringNotContainsString( $api_key, $page );

		// The WordPress admin's e-mail is invited as the store's owner: the page offers "Open Sapa" and says the
		// invitation is not accepted yet; the invite sits in the local stack's e-mail outbox.
		$admin_email = (string) get_option( 'admin_email' );
		$this->assertSame( 'pending', $connection['owner']['status'], wp_json_encode( $connection['owner'] ) );
		$this->assertSame( strtolower( $admin_email ), $connection['owner']['email'] );
		$this->assertSame( rtrim( (string) getenv( 'DASHBOARD_URL' ), '/' ), $connection['dashboard_url'] );
		$this->assertStringContainsString( 'id="sapa-open" href="' . esc_url( $connection['dashboard_url'] ) . '"', $page );
		$this->assertStringContainsString( 'data-status="pending">Invitation sent to ' . strtolower( $admin_email ), $page );
		$outbox = json_decode( (string) file_get_contents( getenv( 'API_URL' ) . '/outbox/api/messages?to=' . rawurlencode( strtolower( $admin_email ) ) ), true );
		$this->assertSame( 'invite', $outbox[0]['kind'] );
		$this->assertStringContainsString( '/auth/v1/verify?token=', $outbox[0]['link'] );

		$status   = null;
		$deadline = microtime( true ) + self::SYNC_TIMEOUT;
		do {
			$response = rest_do_request( new WP_REST_Request( 'GET', '/sapa/v1/status' ) );
			$this->assertSame( 200, $response->get_status(), wp_json_encode( $response->get_data() ) );
			$status = $response->get_data();
			if ( in_array( $status['sync']['status'], array( 'done', 'failed' ), true ) ) {
				break;
			}
			usleep( 250000 );
		} while ( microtime( true ) < $deadline );
		$this->assertTrue( $status['connected'] );
		$this->assertSame( $store_id, $status['store_id'] );
		$this->assertSame( 'provision', $status['whatsapp_mode'] );
		$this->assertSame( 'done', $status['sync']['status'], 'sync: ' . wp_json_encode( $status['sync'] ) );
		$this->assertNull( $status['sync']['error'] );
		$this->assertSame(
			array(
				'orders'    => array(
					'done'  => 3,
					'total' => 3,
				),
				'customers' => array(
					'done'  => 2,
					'total' => 2,
				),
				'products'  => array(
					'done'  => 4,
					'total' => 4,
				),
			),
			$status['sync']['resources']
		);
		$this->assertMatchesRegularExpression( '/^\d{4}-\d{2}-\d{2}T/', $status['sync']['updated_at'] );

		// Sapa knows the customer from the shop, not yet opted in to marketing.
		$customer = $this->sapa_row( 'customers', $store_id, array( 'phone' => 'eq.' . $e164 ), 'id,external_id,marketing_opt_in,marketing_opt_in_at' );
		$this->assertSame( 7, $customer['external_id'] );
		$this->assertFalse( $customer['marketing_opt_in'] );

		// 3. Checkout: she types her number her own way and ticks the opt-in; the plugin puts both on the
		// order, and WooCommerce delivers the new order (its meta in meta_data) to Sapa's webhook.
		$_POST    = wp_slash(
			array(
				'sapa_whatsapp'        => $typed_number,
				'sapa_whatsapp_opt_in' => 'yes',
			)
		);
		$_REQUEST = $_POST;
		do_action( 'woocommerce_checkout_process' );
		$this->assertSame( array(), $GLOBALS['sapa_test_wc_notices'] );
		$order = new Sapa_Test_Order();
		do_action( 'woocommerce_checkout_create_order', $order, array() );
		$this->assertSame( 'yes', $order->get_meta( 'sapa_whatsapp_opt_in' ) );

		$answers = $this->control(
			'POST',
			'deliver',
			array(
				'topic' => 'order.created',
				'order' => array(
					'id'          => 304,
					'customer_id' => 0,
					'phone'       => '0274-512345', // The billing phone is the shop's landline: the checkout number wins.
				),
				'meta'  => $order->meta,
			)
		);
		$this->assertCount( 1, $answers, 'one webhook has the topic order.created' );
		$this->assertSame( 200, $answers[0]['status'], wp_json_encode( $answers[0]['body'] ) );
		$this->assertSame( 'processed', $answers[0]['body']['status'] );
		$this->assertSame( 'created', $answers[0]['body']['outcome'] );

		$customer_after = $this->sapa_row( 'customers', $store_id, array( 'phone' => 'eq.' . $e164 ), 'id,external_id,marketing_opt_in,marketing_opt_in_at' );
		$this->assertSame( $customer['id'], $customer_after['id'] );
		$this->assertTrue( $customer_after['marketing_opt_in'] );
		$this->assertNotNull( $customer_after['marketing_opt_in_at'] );
		$new_order = $this->sapa_row( 'orders', $store_id, array( 'external_id' => 'eq.304' ), 'customer_id' );
		$this->assertSame( $customer['id'], $new_order['customer_id'] );

		// 4. Disconnect through the settings form.
		$this->assertSame( Sapa_Settings_Page::url(), $this->post_form( Sapa_Admin_Actions::DISCONNECT, array() ) );
		$notices = Sapa_Notices::take();
		$this->assertSame( 'success', $notices[0]['type'], 'disconnect: ' . $notices[0]['message'] );
		$this->assertFalse( Sapa_Options::is_connected() );
		$this->assertNull( $this->option_row( Sapa_Options::API_KEY ) );
		$this->assertNull( $wpdb->get_var( $wpdb->prepare( "SELECT key_id FROM {$wpdb->prefix}woocommerce_api_keys WHERE key_id = %d", $connection['wc_key_id'] ) ) );

		// Sapa deleted its webhooks in the shop (for good, as WooCommerce requires) ...
		$state = $this->control( 'GET', 'state' );
		$this->assertSame( array(), $state['webhooks'] );
		$deletes = array_filter(
			$state['requests'],
			function ( $r ) {
				return 'DELETE' === $r['method'] && 0 === strpos( $r['path'], '/wp-json/wc/v3/webhooks/' ) && 'true' === $r['query']['force'];
			}
		);
		$this->assertCount( 11, $deletes );
		// ... forgot the shop's keys, and no longer accepts the plugin's key.
		$credentials = $this->sapa_row( 'store_credentials', $store_id, array(), 'woocommerce_consumer_key_encrypted,woocommerce_webhook_secret' );
		$this->assertSame(
			array(
				'woocommerce_consumer_key_encrypted' => null,
				'woocommerce_webhook_secret'         => null,
			),
			$credentials
		);
		$me = $this->http( 'GET', $this->sapa . '/stores/me', array( 'Authorization' => 'Bearer ' . $api_key ) );
		$this->assertSame( 401, $me['status'] );
		$this->assertStringStartsWith( 'this API key was revoked', $me['body']['detail'] );

		// 5. A copy of the site from before the disconnect (a database restore) still holds the revoked key:
		// Disconnect cleans up here and says plainly that Sapa no longer knew the connection.
		Sapa_Options::save_connection( $connection, $api_key );
		$this->assertSame( Sapa_Settings_Page::url(), $this->post_form( Sapa_Admin_Actions::DISCONNECT, array() ) );
		$notices = Sapa_Notices::take();
		$this->assertCount( 1, $notices );
		$this->assertSame( 'warning', $notices[0]['type'] );
		$this->assertStringStartsWith( 'Sapa no longer knew this connection', $notices[0]['message'] );
		$this->assertFalse( Sapa_Options::is_connected() );
		$this->assertNull( $this->option_row( Sapa_Options::API_KEY ) );

		// 6. And once more: nothing to disconnect, Sapa not called.
		$this->post_form( Sapa_Admin_Actions::DISCONNECT, array() );
		$this->assertSame( 'This shop is not connected to Sapa: there was nothing to disconnect.', Sapa_Notices::take()[0]['message'] );
	}

	/**
	 * A call to the fake shop's control API.
	 *
	 * @param string     $method GET or POST.
	 * @param string     $action Path below /__fake/.
	 * @param array|null $body   JSON body.
	 * @return array Decoded answer.
	 */
	private function control( $method, $action, $body = null ) {
		$answer = $this->http( $method, $this->shop . '/__fake/' . $action, array(), $body );
		$this->assertSame( 200, $answer['status'], "fake shop $action: " . wp_json_encode( $answer['body'] ) );
		return $answer['body'];
	}

	/**
	 * Requests the shop's REST API received, as [method, path].
	 *
	 * @param array $state The fake shop's state.
	 * @return array
	 */
	private function seen( array $state ) {
		return array_map(
			function ( $r ) {
				return array( $r['method'], $r['path'] );
			},
			$state['requests']
		);
	}

	/**
	 * The one row of a Sapa table for the store, read through the stack's PostgREST as the service role.
	 *
	 * @param string $table    Table.
	 * @param string $store_id Store.
	 * @param array  $filters  PostgREST filters.
	 * @param string $select   Columns.
	 * @return array
	 */
	private function sapa_row( $table, $store_id, array $filters, $select ) {
		$query  = http_build_query( array( 'store_id' => 'eq.' . $store_id ) + $filters + array( 'select' => $select ), '', '&', PHP_QUERY_RFC3986 );
		$key    = getenv( 'SERVICE_ROLE_KEY' );
		$answer = $this->http(
			'GET',
			rtrim( getenv( 'API_URL' ), '/' ) . '/rest/v1/' . $table . '?' . $query,
			array(
				'apikey'        => $key,
				'Authorization' => 'Bearer ' . $key,
			)
		);
		$this->assertSame( 200, $answer['status'], wp_json_encode( $answer['body'] ) );
		$this->assertCount( 1, $answer['body'], "one $table row: " . wp_json_encode( $answer['body'] ) );
		return $answer['body'][0];
	}

	/**
	 * One HTTP request through WordPress's HTTP API.
	 *
	 * @param string     $method  Method.
	 * @param string     $url     URL.
	 * @param array      $headers Headers.
	 * @param array|null $body    JSON body.
	 * @return array{status: int, body: mixed}
	 */
	private function http( $method, $url, array $headers = array(), $body = null ) {
		$args = array(
			'method'  => $method,
			'timeout' => 60,
			'headers' => $headers + array( 'Accept' => 'application/json' ),
		);
		if ( null !== $body ) {
			$args['headers']['Content-Type'] = 'application/json';
			$args['body']                    = wp_json_encode( $body );
		}
		$response = wp_remote_request( $url, $args );
		$this->assertNotWPError( $response );
		return array(
			'status' => (int) wp_remote_retrieve_response_code( $response ),
			'body'   => json_decode( wp_remote_retrieve_body( $response ), true ),
		);
	}

	/**
	 * Fails on a WP_Error, with its message.
	 *
	 * @param mixed $value Value.
	 */
	private function assertNotWPError( $value ) {
		$this->assertFalse( is_wp_error( $value ), is_wp_error( $value ) ? $value->get_error_message() : '' );
	}
}
